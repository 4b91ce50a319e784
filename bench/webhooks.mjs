// Webhook benchmark: signed deliveries per second from the dispatcher and sender to a local receiver,
// next to a baseline of plain unsigned POSTs of the same bodies from the same number of connections
// to the same receiver (which runs in its own process). Each round registers two endpoints, creates
// jobs while delivery is stopped, then times from starting delivery until the receiver has every
// event: reading the event log, creating the deliveries, signing, sending, and writing each outcome.
// Runs against the build in dist/ (`npm run bench -- webhooks` builds first) and writes its section
// of docs/benchmarks.md.
//
//   npm run bench -- webhooks [--rounds 3] [--jobs 2000] [--endpoints 2] [--connections 50] [--no-write]
//   JOBLINE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- webhooks
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServices } from '../dist/create-services.js';
import { createJobs } from '../dist/services/job-creation.js';
import { createWebhook, deleteWebhook } from '../dist/services/webhooks.js';
import { ensureWorkspace } from '../dist/services/tokens.js';
import { WebhookRuntime } from '../dist/events/webhook-runtime.js';
import { machine, median, writeSection } from './lib/common.mjs';

export const description = 'signed webhook deliveries per second to a local receiver vs plain POSTs';

const OPTIONS = {
  rounds: { type: 'string', default: '3' },
  jobs: { type: 'string', default: '2000' },
  endpoints: { type: 'string', default: '2' },
  connections: { type: 'string', default: '50' },
  'no-write': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const GOAL = 500;

function startReceiver() {
  const child = fork(new URL('./lib/webhook-receiver.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.once('message', (msg) => {
      resolve({
        url: `http://127.0.0.1:${msg.port}`,
        /** Resolves when the receiver has had `n` requests since this call. */
        expect(n) {
          return new Promise((done) => {
            const onMessage = (m) => {
              if (m.done !== undefined) {
                child.off('message', onMessage);
                done();
              }
            };
            child.on('message', onMessage);
            child.send({ expect: n });
          });
        },
        close: () => child.kill(),
      });
    });
  });
}

/** The baseline: `n` unsigned POSTs of `body`, `connections` at a time over keep-alive connections. */
async function plainPosts(url, n, connections, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const lane = async () => {
    while (next < n) {
      next++;
      await post();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, lane));
  const ms = performance.now() - started;
  agent.destroy();
  return ms;
}

async function round(services, principal, receiver, o) {
  const hooks = [];
  for (let i = 0; i < o.endpoints; i++)
    hooks.push(
      (await createWebhook(services, principal, { url: `${receiver.url}/hook-${i}`, events: ['job.created'] })).webhook,
    );
  for (let i = 0; i < o.jobs; i += 1000) {
    await createJobs(
      services,
      principal,
      Array.from({ length: Math.min(1000, o.jobs - i) }, (_, k) => ({ type: 'bench-idle', input: { n: i + k } })),
    );
  }
  const expected = o.jobs * o.endpoints;
  const done = receiver.expect(expected);
  const runtime = new WebhookRuntime(services, { concurrency: o.connections });
  const started = performance.now();
  runtime.start();
  await done;
  const ms = performance.now() - started;
  await runtime.stop();
  for (const h of hooks) await deleteWebhook(services, principal, h.id);
  return { deliveries: expected, ms };
}

async function runOn(label, options, o, receiver, log) {
  const services = await createServices({ ...options, policy: { webhookAllowPrivate: true } });
  try {
    const workspaceId = await ensureWorkspace(services.store.db, 'bench', Date.now());
    const principal = { tokenId: 'bench', workspaceId, scopes: ['admin'] };
    const sample = JSON.stringify({
      type: 'job.created',
      timestamp: new Date().toISOString(),
      data: {
        job_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182',
        job_type: 'bench-idle',
        project_id: null,
        seq: 1,
        status: 'pending',
        status_reason: 'queued',
      },
    });
    const signed = [];
    const plain = [];
    for (let r = 0; r < o.rounds; r++) {
      const base = await plainPosts(`${receiver.url}/plain`, o.jobs * o.endpoints, o.connections, sample);
      plain.push(((o.jobs * o.endpoints) / base) * 1000);
      const { deliveries, ms } = await round(services, principal, receiver, o);
      signed.push((deliveries / ms) * 1000);
      log(
        `${label} round ${r + 1}: ${Math.round(signed.at(-1))} signed deliveries/s, baseline ${Math.round(plain.at(-1))} plain POSTs/s`,
      );
    }
    return { label, signed: median(signed), plain: median(plain), rounds: signed };
  } finally {
    await services.store.close();
  }
}

export async function run(args) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    console.log('npm run bench -- webhooks [--rounds 3] [--jobs 2000] [--endpoints 2] [--connections 50] [--no-write]');
    return;
  }
  const o = {
    rounds: Number(values.rounds),
    jobs: Number(values.jobs),
    endpoints: Number(values.endpoints),
    connections: Number(values.connections),
  };
  const log = (line) => console.log(line);
  const receiver = await startReceiver();
  const dir = mkdtempSync(join(os.tmpdir(), 'jobline-bench-webhooks-'));
  const results = [];
  try {
    results.push(await runOn('SQLite', { dataDir: dir }, o, receiver, log));
    const pgUrl = process.env.JOBLINE_BENCH_DATABASE_URL;
    if (pgUrl)
      results.push(
        await runOn(
          'PostgreSQL',
          { databaseUrl: pgUrl, schema: `bench_webhooks_${process.pid}`, dataDir: dir },
          o,
          receiver,
          log,
        ),
      );
  } finally {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = machine();
  const rows = results.map(
    (r) =>
      `| ${r.label} | **${Math.round(r.signed)}** | ${Math.round(r.plain)} | ${(r.signed / r.plain).toFixed(2)} | ${r.signed >= GOAL ? 'met' : 'missed'} |`,
  );
  const summary = `## Webhooks

Signed deliveries per second from Jobline's dispatcher and sender to a receiver on 127.0.0.1 (its own
process, answering 200), against a baseline in the same run: plain unsigned POSTs of a payload of
the same size from the same number of keep-alive connections to the same receiver. A round registers
${o.endpoints} endpoints, creates ${o.jobs} jobs while delivery is stopped (${o.jobs * o.endpoints} deliveries), and times from
starting delivery until the receiver has them all: reading the event log, creating the deliveries,
signing (standardwebhooks), POSTing with ${o.connections} connections and writing every attempt and outcome.
Median of ${o.rounds} rounds. Goal: at least ${GOAL} signed deliveries per second.

| database | signed deliveries/s | plain POSTs/s (baseline) | ratio | goal |
|---|---|---|---|---|
${rows.join('\n')}

Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGiB.toFixed(0)} GiB, Node ${m.node}, ${m.os}; load average at the end
${m.loadavg.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared, so figures vary between runs).
Reproduce: \`npm run bench -- webhooks\` (PostgreSQL too with \`JOBLINE_BENCH_DATABASE_URL\`).`;
  console.log(`\n${summary}`);
  if (!values['no-write']) log(`\nwrote ${writeSection('webhooks', summary)}`);
}
