import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { Services } from '../../src/services/context.js';
import { createServices } from '../../src/create-services.js';
import { createJobs } from '../../src/services/job-creation.js';
import { getJob, jobAttempts } from '../../src/services/job-reads.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { POSTGRES_URL } from '../support/databases.js';
import { postgresSchema } from '../support/schemas.js';

// Real processes, really killed: `jobline worker` (PostgreSQL) or `jobline serve` with its in-process
// worker (SQLite), SIGKILLed at random moments and started again, while the test watches the jobs.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = 'test/fixtures/crash-jobs.ts';

interface Target {
  dialect: 'sqlite' | 'postgres';
  /** Arguments for one process: PostgreSQL runs standalone workers, SQLite the embedded server. */
  args: (index: number) => string[];
  processes: number;
  services: Services;
  cleanup: () => Promise<void>;
}

const children = new Set<ChildProcess>();

function start(args: string[], logFile: string, outFile: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JOBLINE_LEASE_MS: '1000',
    JOBLINE_LOG_LEVEL: 'info',
    JOBLINE_TEST_LOG: logFile,
  };
  delete env.JOBLINE_DATABASE_URL;
  delete env.JOBLINE_ADMIN_TOKEN;
  // The processes' output goes to a file, shown when the test fails.
  const out = openSync(outFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function target(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  if (dialect === 'postgres') {
    const db = await postgresSchema();
    const dataDir = mkdtempSync(join(tmpdir(), 'jobline-crash-'));
    const services = await createServices({ databaseUrl: db.url, dataDir });
    return {
      dialect,
      processes: 3,
      args: () => ['worker', '--jobs', FIXTURE, '--database-url', db.url, '--concurrency', '5'],
      services,
      cleanup: async () => {
        await services.store.close();
        await db.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'jobline-crash-'));
  const services = await createServices({ dataDir });
  return {
    dialect,
    processes: 1,
    args: () => ['serve', '--data', dataDir, '--port', '0', '--jobs', FIXTURE, '--concurrency', '15'],
    services,
    cleanup: async () => {
      await services.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function principalOf(services: Services): Promise<Principal> {
  return {
    tokenId: 'crash-test',
    workspaceId: await ensureWorkspace(services.store.db, 'crash', Date.now()),
    scopes: ['admin'],
  };
}

async function statusCounts(services: Services): Promise<Record<string, number>> {
  const rows = await services.store.db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** What a failure needs to be understood: the unfinished jobs, which processes live, and their output. */
async function whyUnfinished(services: Services, procs: { child: ChildProcess }[], outFile: string): Promise<string> {
  const jobs = await services.store.db
    .selectFrom('jobs')
    .select(['id', 'status', 'attempts', 'lease_owner', 'lease_expires_at', 'run_at'])
    .where('status', 'in', ['pending', 'running', 'cancelling'])
    .limit(20)
    .execute();
  const alive = procs.map(
    (p) =>
      `pid ${p.child.pid} ${p.child.exitCode === null && p.child.signalCode === null ? 'alive' : `exited ${p.child.exitCode ?? p.child.signalCode}`}`,
  );
  const output = readFileSync(outFile, 'utf8').split('\n').slice(-60).join('\n');
  return `now ${Date.now()}\n${JSON.stringify(jobs, null, 1)}\n${alive.join('\n')}\n${output}`;
}

const dialects = (['sqlite', 'postgres'] as const).map((d) => ({
  dialect: d,
  skip: d === 'postgres' && POSTGRES_URL === undefined,
}));

describe.each(dialects)('crash safety on $dialect', ({ dialect, skip }) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all([...children].map(kill));
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.skipIf(skip)(
    'loses no job and finishes each one exactly once while processes are SIGKILLed at random',
    async () => {
      const t = await target(dialect);
      cleanups.push(t.cleanup);
      const logDir = mkdtempSync(join(tmpdir(), 'jobline-crash-log-'));
      cleanups.push(async () => rmSync(logDir, { recursive: true, force: true }));
      const logFile = join(logDir, 'side-effects.log');
      writeFileSync(logFile, '');
      const principal = await principalOf(t.services);
      const total = 2000;
      for (let i = 0; i < total; i += 500) {
        await createJobs(
          t.services,
          principal,
          Array.from({ length: 500 }, () => ({ type: 'side-effect', maxAttempts: 10 })),
        );
      }

      const logSize = () => statSync(logFile).size;
      const outFile = join(logDir, 'processes.log');
      const launch = (i: number) => ({
        child: start(t.args(i), logFile, outFile),
        since: Date.now(),
        logAtStart: logSize(),
      });
      const procs = Array.from({ length: t.processes }, (_, i) => launch(i));
      // Every 250–750 ms, SIGKILL a random process that has started working (jobs finished since it
      // started), and start it again at once; for ten seconds, or less if the jobs run out first.
      let kills = 0;
      const chaosUntil = Date.now() + 15_000;
      // On a slow machine the jobs may run out before the time does; keep going until three kills then.
      while ((Date.now() < chaosUntil || kills < 3) && ((await statusCounts(t.services)).pending ?? 0) > 100) {
        await new Promise((r) => setTimeout(r, 250 + Math.random() * 500));
        const ready = procs
          .map((p, i) => ({ p, i }))
          .filter(({ p }) => Date.now() - p.since > 500 && logSize() > p.logAtStart);
        if (ready.length === 0) continue;
        const { i } = ready[Math.floor(Math.random() * ready.length)]!;
        await kill(procs[i]!.child);
        kills++;
        procs[i] = launch(i);
      }
      // Then let them finish: the killed processes' leases expire after a second and are reaped.
      const deadline = Date.now() + 90_000;
      let counts = await statusCounts(t.services);
      while ((counts.pending ?? 0) + (counts.running ?? 0) + (counts.cancelling ?? 0) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        counts = await statusCounts(t.services);
      }
      expect(kills).toBeGreaterThanOrEqual(2);
      const unfinished = (counts.pending ?? 0) + (counts.running ?? 0) + (counts.cancelling ?? 0);
      expect(unfinished, unfinished > 0 ? await whyUnfinished(t.services, procs, outFile) : '').toBe(0);
      expect((counts.succeeded ?? 0) + (counts.failed ?? 0)).toBe(total);

      const effects = new Map<string, number>();
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (line !== '') effects.set(line, (effects.get(line) ?? 0) + 1);
      }
      const jobs = await t.services.store.db
        .selectFrom('jobs')
        .select(['id', 'status', 'status_reason', 'attempts', 'max_attempts'])
        .execute();
      let retried = 0;
      for (const job of jobs) {
        if (job.status === 'failed') {
          expect(job.status_reason).toBe('attempts_exhausted');
          expect(job.attempts).toBe(job.max_attempts);
          continue;
        }
        // The successful attempt's side effect happened exactly once; killed attempts left at most one each.
        expect(effects.get(`${job.id} ${job.attempts}`), `side effect of ${job.id} attempt ${job.attempts}`).toBe(1);
        for (let a = 1; a < job.attempts; a++) expect(effects.get(`${job.id} ${a}`) ?? 0).toBeLessThanOrEqual(1);
        if (job.attempts > 1) retried++;
      }
      // The chaos really interrupted work: some jobs needed more than one attempt.
      expect(retried).toBeGreaterThan(0);
      const sample = jobs.find((j) => j.attempts > 1 && j.status === 'succeeded')!;
      const history = await jobAttempts(t.services, await getJob(t.services, principal, sample.id));
      expect(history.at(-1)?.outcome).toBe('succeeded');
      expect(history.some((h) => h.outcome === 'lease_expired')).toBe(true);
    },
    180_000,
  );

  it.skipIf(skip)(
    'stops the handler of a job cancelled from another process within one second',
    async () => {
      const t = await target(dialect);
      cleanups.push(t.cleanup);
      const logDir = mkdtempSync(join(tmpdir(), 'jobline-cancel-log-'));
      cleanups.push(async () => rmSync(logDir, { recursive: true, force: true }));
      const logFile = join(logDir, 'cancel.log');
      writeFileSync(logFile, '');
      const principal = await principalOf(t.services);
      start(t.args(0), logFile, join(logDir, 'process.log'));
      const [job] = await createJobs(t.services, principal, [{ type: 'until-cancelled' }]);
      // Starting the process can take long on a busy machine; the timing that matters starts at the cancel.
      const deadline = Date.now() + 90_000;
      while (!readFileSync(logFile, 'utf8').includes(`started ${job!.id}`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(logFile, 'utf8'), 'the worker process never started the job').toContain(`started ${job!.id}`);

      const requestedAt = Date.now();
      expect((await cancelJob(t.services, principal, job!.id)).status).toBe('cancelling');
      let current = await getJob(t.services, principal, job!.id);
      while (current.status !== 'cancelled' && Date.now() - requestedAt < 5000) {
        await new Promise((r) => setTimeout(r, 20));
        current = await getJob(t.services, principal, job!.id);
      }
      const abortedLine = readFileSync(logFile, 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`aborted ${job!.id}`));
      expect(abortedLine).toBeDefined();
      expect(Number(abortedLine!.split(' ')[2]) - requestedAt).toBeLessThan(1000);
      expect(current.status).toBe('cancelled');
      expect(Date.now() - requestedAt).toBeLessThan(1500);
    },
    150_000,
  );
});
