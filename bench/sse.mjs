// SSE fan-out benchmark: N subscribers follow one job's event stream; the job's progress is recorded
// M times, and each subscriber notes how long after the recording each progress event arrived.
// Compared, in the same run, with a single subscriber (the latency of the path itself). Runs against
// the build in dist/ and writes its section of docs/benchmarks.md.
//
//   npm run bench -- sse [--subscribers 1000] [--events 20] [--interval 200] [--no-write]
//   JOBLINE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- sse
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../dist/app.js';
import { createServices } from '../dist/create-services.js';
import { createJob } from '../dist/services/job-creation.js';
import { createToken } from '../dist/services/tokens.js';
import { machine, median, percentile, writeSection } from './lib/common.mjs';

export const description = '1,000 SSE subscribers on one job: delay from a progress update to each subscriber';

const OPTIONS = {
  subscribers: { type: 'string', default: '1000' },
  events: { type: 'string', default: '20' },
  interval: { type: 'string', default: '200' },
  'no-write': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};
const P99_GOAL_MS = 50;
const now = () => performance.timeOrigin + performance.now();
const log = (line) => process.stdout.write(`${line}\n`);

async function measure(dialect, subscribers, events, intervalMs) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'jobline-bench-sse-'));
  let schema;
  const url = process.env.JOBLINE_BENCH_DATABASE_URL;
  if (dialect === 'postgres') schema = `bench_sse_${process.pid}`;
  const services = await createServices({
    dataDir,
    ...(dialect === 'postgres' ? { databaseUrl: url, schema } : {}),
    tokenCacheMs: 60_000,
  });
  const app = await buildApp(services, {
    logger: false,
    requestLogging: false,
    rateLimit: { limit: 0, windowSeconds: 60 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const { secret: token } = await createToken(services, { workspace: 'bench', name: 'bench', scopes: ['admin'] });
  const principal = {
    tokenId: 'bench',
    workspaceId: (
      await services.store.db
        .selectFrom('workspaces')
        .select('id')
        .where('name', '=', 'bench')
        .executeTakeFirstOrThrow()
    ).id,
    scopes: ['admin'],
  };
  // A job no worker runs: the benchmark records its progress itself, as a worker would.
  const job = await createJob(services, principal, { type: 'bench-progress' });
  // The subscribers are split over one client process per core, as many clients would be.
  const processes = Math.min(subscribers, Math.max(1, os.availableParallelism()));
  const children = Array.from({ length: processes }, () =>
    fork(new URL('./lib/sse-subscribers.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    const results = children.map(
      (child) =>
        new Promise((resolve, reject) => {
          child.on('message', (m) => {
            if (m.cmd === 'done') resolve(m.latencies);
            else if (m.cmd === 'error') reject(new Error(m.message));
          });
          child.on('exit', (code) => reject(new Error(`subscribers exited with ${code}`)));
        }),
    );
    const result = Promise.all(results).then((lists) => lists.flat());
    const ready = Promise.all(
      children.map((child) => new Promise((resolve) => child.on('message', (m) => m.cmd === 'ready' && resolve()))),
    );
    children.forEach((child, i) => {
      const share = Math.floor(subscribers / processes) + (i < subscribers % processes ? 1 : 0);
      child.send({ cmd: 'connect', url: `${base}/v1/jobs/${job.id}/events`, token, subscribers: share, events });
    });
    await ready;
    // One unmeasured event first: the first fan-out in a process pays for compiling its code path.
    await services.store.db
      .updateTable('jobs')
      .set((eb) => ({
        progress: 0.5,
        progress_message: 'warm-up',
        updated_at: Date.now(),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', job.id)
      .execute();
    for (let i = 1; i <= events; i++) {
      await new Promise((r) => setTimeout(r, intervalMs));
      const at = now();
      await services.store.db
        .updateTable('jobs')
        .set((eb) => ({
          progress: (i * 100) / events,
          progress_message: at.toFixed(3),
          updated_at: Date.now(),
          version: eb('version', '+', 1),
        }))
        .where('id', '=', job.id)
        .execute();
    }
    const latencies = await Promise.race([
      result,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('not every subscriber got every event within 60 s')), 60_000),
      ),
    ]);
    return {
      p50: median(latencies),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      samples: latencies.length,
    };
  } finally {
    for (const child of children) child.kill();
    await app.close();
    await services.store.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (schema !== undefined) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

export async function run(args) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    log('npm run bench -- sse [--subscribers 1000] [--events 20] [--interval 200] [--no-write]');
    return;
  }
  const subscribers = Number(values.subscribers);
  const events = Number(values.events);
  const interval = Number(values.interval);
  const dialects = ['sqlite', ...(process.env.JOBLINE_BENCH_DATABASE_URL ? ['postgres'] : [])];
  const rows = [];
  for (const dialect of dialects) {
    const single = await measure(dialect, 1, events, interval);
    log(`${dialect}, 1 subscriber: p50 ${single.p50.toFixed(2)} ms, p99 ${single.p99.toFixed(2)} ms`);
    const many = await measure(dialect, subscribers, events, interval);
    log(
      `${dialect}, ${subscribers} subscribers: p50 ${many.p50.toFixed(2)} ms, p99 ${many.p99.toFixed(2)} ms, max ${many.max.toFixed(2)} ms (${many.samples} deliveries)`,
    );
    rows.push({ dialect, single, many });
  }
  const host = machine();
  const f = (n) => `${n.toFixed(1)} ms`;
  const summary = [
    '## Live events: SSE fan-out to 1,000 subscribers',
    '',
    `\`npm run bench -- sse\`: ${subscribers.toLocaleString('en')} Server-Sent Events connections (split over one client process per core) follow one job; the job's progress is recorded ${events} times (after one unmeasured warm-up event), ${interval} ms apart, by an UPDATE in the server process; each subscriber notes how long after the UPDATE was issued the \`job.progress\` event arrived. The baseline is the same path with a single subscriber. Goal: p99 under ${P99_GOAL_MS} ms with ${subscribers.toLocaleString('en')} subscribers.`,
    '',
    '| database | subscribers | p50 | p95 | p99 | max | p99 vs 1 subscriber | goal |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.flatMap((r) => [
      `| ${r.dialect} | 1 | ${f(r.single.p50)} | ${f(r.single.p95)} | ${f(r.single.p99)} | ${f(r.single.max)} | 1.0× | |`,
      `| ${r.dialect} | ${subscribers.toLocaleString('en')} | ${f(r.many.p50)} | ${f(r.many.p95)} | ${f(r.many.p99)} | ${f(r.many.max)} | ${(r.many.p99 / r.single.p99).toFixed(1)}× | ${r.many.p99 < P99_GOAL_MS ? 'met' : '**missed**'} |`,
    ]),
    '',
    `Machine: ${host.nproc} cores (${host.cpu}), Node ${host.node}, load average ${host.loadavg.map((l) => l.toFixed(2)).join(' ')} at the end.`,
  ].join('\n');
  log('');
  log(summary);
  if (!values['no-write']) log(`\nwrote ${writeSection('sse', summary)}`);
}
