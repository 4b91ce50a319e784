// Server process of the remote-workers benchmark: `jobline serve` as startServer runs it, with no
// in-process worker (HTTP workers claim over the API) or with one started on request (the baseline),
// each in a PostgreSQL schema or SQLite directory of its own, removed at `stop`.
import { scratchDatabase } from './scratch-database.mjs';
import { serveConfig } from '../../dist/config/serve-config.js';
import { startServer } from '../../dist/server.js';
import { Worker } from '../../dist/engine/worker.js';
import { createJobs } from '../../dist/services/job-creation.js';
import { createToken, ensureWorkspace } from '../../dist/services/tokens.js';
import { nowMs } from './remote-jobs.mjs';

const JOBS = new URL('./remote-jobs.mjs', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function start({ databaseUrl }) {
  const scratch = await scratchDatabase(databaseUrl, 'remote');
  const config = serveConfig(
    { port: '0', data: scratch.dataDir, databaseUrl: scratch.databaseUrl, jobs: [JOBS] },
    // No worker at start: the benchmark starts the in-process one itself, once the jobs are in.
    { JOBLINE_RATE_LIMIT: '0', JOBLINE_LOG_LEVEL: 'warn', JOBLINE_WORKER_CONCURRENCY: '0' },
  );
  let printed = '';
  const server = await startServer(config, (line) => (printed += line));
  const adminToken = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(printed)[0];
  const { services } = server;
  const workerToken = (
    await createToken(services, { workspace: 'default', name: 'bench-workers', scopes: ['jobs:work'] })
  ).secret;
  const workspaceId = await ensureWorkspace(services.store.db, 'default', Date.now());
  return {
    server,
    adminToken,
    workerToken,
    principal: { tokenId: 'bench', workspaceId, scopes: ['admin'] },
    config,
    async close() {
      await server.close();
      await scratch.drop();
    },
  };
}

async function countByStatus(db) {
  const rows = await db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function succeeded(db) {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'succeeded')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

let running;
let worker;

const handlers = {
  async start(msg) {
    running = await start(msg);
    return { url: running.server.url, adminToken: running.adminToken, workerToken: running.workerToken };
  },
  async insert({ jobs, batch }) {
    const t0 = nowMs();
    for (let i = 0; i < jobs; i += batch) {
      const inputs = Array.from({ length: Math.min(batch, jobs - i) }, () => ({ type: 'noop' }));
      await createJobs(running.server.services, running.principal, inputs);
    }
    return { insertMs: nowMs() - t0 };
  },
  /** The in-process worker, as `jobline serve` starts it with these settings. */
  async startWorker({ concurrency, prefetch }) {
    worker = new Worker(running.server.services, {
      concurrency,
      prefetch,
      leaseMs: running.config.leaseMs,
    });
    worker.start();
    return {};
  },
  /**
   * Resolves when `jobs` jobs have succeeded. Polls the count, more often as the end nears, so the
   * polling costs little and the end is seen within a few milliseconds.
   */
  async awaitDone({ jobs }) {
    const t0 = nowMs();
    const db = running.server.services.store.db;
    for (;;) {
      const done = await succeeded(db);
      const t = nowMs();
      if (done >= jobs) return { doneAt: t };
      const rate = done / Math.max(1, t - t0); // jobs per ms so far
      await sleep(Math.min(100, Math.max(2, rate > 0 ? (jobs - done) / rate / 4 : 50)));
    }
  },
  async cpu() {
    return { seconds: cpuSeconds() };
  },
  async stop() {
    await worker?.stop(5000);
    const statuses = await countByStatus(running.server.services.store.db);
    await running.close();
    return { statuses };
  },
};

process.on('message', async (msg) => {
  try {
    const answer = await handlers[msg.cmd](msg);
    process.send({ reply: msg.id, ...answer }, () => msg.cmd === 'stop' && process.exit(0));
  } catch (error) {
    process.send({ reply: msg.id, error: String(error?.stack ?? error) });
  }
});
process.send({ cmd: 'ready' });
