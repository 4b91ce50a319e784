// The SQLite store's share of running a job, for variants of the schema side by side: one process opens
// one database per variant (each migrated, then given the variant's statements), inserts the same jobs
// into each, then claims and completes them in steps of one claim batch, the variants taking turns at
// every step. Each step's CPU time is charged to its variant, so the machine's drift (large within
// minutes on the small shared machines this project is measured on) falls on every variant alike, and the
// engine's JavaScript, the same for all, is left out.
//
//   node bench/lib/sqlite-store-ab.mjs [--dist DIR] [--jobs 30000] [--batch 250] [--rounds 3]
//                                      --variant 'base' --variant 'label=SQL' …
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './common.mjs';

const { values: a } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    jobs: { type: 'string', default: '30000' },
    batch: { type: 'string', default: '250' },
    rounds: { type: 'string', default: '3' },
    variant: { type: 'string', multiple: true, default: ['base'] },
  },
});
const dist = resolve(a.dist);
// A module's path in this build, or where older builds kept it.
const moved = (path, before) => (existsSync(`${dist}/${path}`) ? path : before);
const N = Number(a.jobs);
const BATCH = Number(a.batch);
const { Registry } = await import(`${dist}/${moved('core/registry.js', 'engine/registry.js')}`);
const { defineJob } = await import(`${dist}/engine/define-job.js`);
const { createServices } = await import(`${dist}/${moved('create-services.js', 'services/create.js')}`);
const { createJobs } = await import(`${dist}/${moved('services/job-creation.js', 'services/jobs.js')}`);
const { ensureWorkspace } = await import(`${dist}/services/tokens.js`);
const { claimJobs, completeJobs } = await import(`${dist}/store/queue.js`);

const variants = a.variant.map((text) => {
  const at = text.indexOf('=');
  return at < 0 ? { label: text, sql: '' } : { label: text.slice(0, at), sql: text.slice(at + 1) };
});
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** One round: a fresh database per variant, N jobs inserted, then claimed and completed in turns. */
async function round() {
  const runs = [];
  for (const v of variants) {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobline-store-ab-'));
    const services = await createServices({
      dataDir,
      registry: new Registry([defineJob({ type: 'noop', run: () => null })]),
    });
    if (v.sql !== '') services.store.raw.db.exec(v.sql);
    const workspaceId = await ensureWorkspace(services.store.db, 'bench', Date.now());
    const principal = { tokenId: 'bench', workspaceId, scopes: ['admin'] };
    const t = cpuUs();
    for (let i = 0; i < N; i += 1000)
      await createJobs(
        services,
        principal,
        Array.from({ length: Math.min(1000, N - i) }, () => ({ type: 'noop' })),
      );
    runs.push({ v, services, dataDir, insertUs: cpuUs() - t, claimUs: 0, completeUs: 0, done: 0 });
  }
  for (let step = 0; runs.some((r) => r.done < N); step++) {
    for (const r of step % 2 === 0 ? runs : [...runs].reverse()) {
      const now = Date.now();
      let t = cpuUs();
      const claimed = await claimJobs(r.services.store, {
        workerId: 'w1',
        types: ['noop'],
        limit: BATCH,
        leaseMs: 60_000,
        now,
      });
      r.claimUs += cpuUs() - t;
      t = cpuUs();
      const batch = claimed.map((j) => ({
        attempt: { jobId: j.id, number: j.attempts, startedAt: now, outcome: 'succeeded' },
        output: null,
      }));
      const { done } = await completeJobs(r.services.store, 'w1', batch, now + 1);
      r.completeUs += cpuUs() - t;
      r.done += done.length;
      if (claimed.length === 0 && r.done < N)
        throw new Error(`${r.v.label}: nothing left to claim after ${r.done} jobs`);
    }
  }
  for (const r of runs) {
    await r.services.store.close();
    rmSync(r.dataDir, { recursive: true, force: true });
  }
  return runs.map((r) => ({
    label: r.v.label,
    insert: r.insertUs / N,
    claim: r.claimUs / N,
    complete: r.completeUs / N,
  }));
}

const results = new Map(variants.map((v) => [v.label, []]));
for (let i = 1; i <= Number(a.rounds); i++) {
  for (const r of await round()) {
    results.get(r.label).push(r);
    console.log(
      `round ${i} ${r.label.padEnd(22)} µs of CPU per job: insert ${r.insert.toFixed(1)}, claim ${r.claim.toFixed(1)}, complete ${r.complete.toFixed(1)}`,
    );
  }
}
console.log('\nmedians:');
for (const [label, rs] of results) {
  const m = (k) => median(rs.map((r) => r[k])).toFixed(1);
  const run = median(rs.map((r) => r.claim + r.complete)).toFixed(1);
  console.log(
    `${label.padEnd(22)} insert ${m('insert')}, claim ${m('claim')}, complete ${m('complete')}, claim + complete ${run} µs per job`,
  );
}
