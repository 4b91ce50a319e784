import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { Job } from '../../src/core/job.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { defineJob } from '../../src/engine/define-job.js';
import { Worker, type WorkerOptions } from '../../src/engine/worker.js';
import type { Services } from '../../src/services/context.js';
import { putFlow } from '../../src/services/job-flow.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { getJob, jobAttempts } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { listJobEvents } from '../../src/store/events.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';
import { FAST_WORKER } from '../support/worker-options.js';

// A job created by one process (an API) while a worker of another process (a worker process) is idle:
// on PostgreSQL the worker's standing claim takes it at the insert, so the job is created claimed by
// that worker and starts there without a claim of its own (migration 0035); on SQLite, which one
// process writes, the worker claims it as usual. Either way it runs once, with the events and attempt
// of a claimed job.

describe.each(DIALECTS)('jobs created by another process for an idle worker on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(options: WorkerOptions = {}) {
    const db = freshDatabase(dialect);
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const name = (input: unknown) => String((input as { name: string }).name);
    const gated = defineJob({
      type: 'gated',
      run: (ctx) => {
        started.push(name(ctx.input));
        return new Promise<{ ok: boolean }>((resolve) => gates.set(name(ctx.input), () => resolve({ ok: true })));
      },
    });
    const services = await createServices({ ...db.options, registry: new Registry([gated]) });
    // The API process: its own services (pool, wake-ups), no worker.
    const api = await createServices({ ...db.options, registry: new Registry([gated]) });
    const workspaceId = await ensureWorkspace(api.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    await services.wakeups.ready();
    const worker = new Worker(services, { ...FAST_WORKER, ...options });
    worker.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      for (const open of gates.values()) open();
      await worker.stop(1000);
    };
    cleanups.push(async () => {
      await stop();
      await api.store.close();
      await services.store.close();
      await db.cleanup();
    });
    const release = (job: string) => until(`job ${job} to start`, async () => gates.get(job)).then((open) => open());
    return { services, api, principal, worker, started, release, stop, schema: db.options.schema };
  }

  const finished = (services: Services, principal: Principal, id: string) =>
    until(`job ${id} to finish`, async () => {
      const job = await getJob(services, principal, id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    });

  /** Creates jobs through the API's services until one comes back taken by the worker (its first claims must find the queue empty). */
  async function createTaken(s: Awaited<ReturnType<typeof setup>>, label: string, input = {}): Promise<Job> {
    for (let i = 0; ; i++) {
      const job = await createJob(s.api, s.principal, { type: 'gated', input: { ...input, name: `${label}-${i}` } });
      if (job.status === 'running' || !s.services.store.dialect.standingClaims) return job;
      await s.release(`${label}-${i}`);
      await finished(s.api, s.principal, job.id);
      if (i === 50) throw new Error('no job was taken by the idle worker of another process');
    }
  }

  it.skipIf(skip)('runs the job once in the idle worker, with the events and attempt of a claim', async () => {
    const s = await setup();
    const job = await createTaken(s, 'direct');
    if (s.services.store.dialect.standingClaims) {
      // Created claimed by the worker of the other process, as the stored job says too.
      expect(job).toMatchObject({ status: 'running', statusReason: 'claimed', attempts: 1, version: 2 });
      expect(job.leaseOwner).toBe(s.worker.id);
      expect(await getJob(s.api, s.principal, job.id)).toMatchObject({
        status: 'running',
        statusReason: 'claimed',
        leaseOwner: s.worker.id,
        version: 2,
      });
    }
    await s.release(String((job.input as { name: string }).name));
    const done = await finished(s.api, s.principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', output: { ok: true }, attempts: 1 });
    expect(await jobAttempts(s.api, done)).toMatchObject([{ number: 1, outcome: 'succeeded', worker: s.worker.id }]);
    const events = await listJobEvents(s.api.store, job.id, 0, 100);
    expect(events.map((e) => e.name)).toEqual(['job.created', 'job.running', 'job.succeeded']);
    expect(events[1]!.actor).toBe(s.worker.id);
    expect(s.started.filter((n) => n === (job.input as { name: string }).name)).toHaveLength(1);
  });

  it.skipIf(skip)('hands a batch to the idle worker up to its free slots, in input order', async () => {
    const s = await setup({ concurrency: 3 });
    const first = await createTaken(s, 'first'); // one slot busy, two free
    for (let i = 0; ; i++) {
      const names = ['a', 'b', 'c'].map((n) => `${n}-${i}`);
      const batch = await createJobs(
        s.api,
        s.principal,
        names.map((name) => ({ type: 'gated', input: { name } })),
      );
      const taken = batch.some((j) => j.status === 'running');
      if (taken) {
        expect(batch.map((j) => j.status)).toEqual(['running', 'running', 'pending']);
        expect(batch.map((j) => j.leaseOwner ?? null)).toEqual([s.worker.id, s.worker.id, null]);
      }
      for (const name of names) await s.release(name);
      for (const job of batch) expect((await finished(s.api, s.principal, job.id)).status).toBe('succeeded');
      // On SQLite, or when the claim was between waits, the worker claimed them itself: try again.
      if (taken || !s.services.store.dialect.standingClaims) break;
      if (i === 20) throw new Error('no batch was taken by the idle worker of another process');
    }
    await s.release(String((first.input as { name: string }).name));
    expect((await finished(s.api, s.principal, first.id)).status).toBe('succeeded');
  });

  it.skipIf(skip)('reads back jobs whose wake-up could not carry them', async () => {
    const s = await setup();
    // An input too large for a NOTIFY's payload: the wake-up names the job, the worker reads it.
    const job = await createTaken(s, 'large', { padding: 'x'.repeat(10_000) });
    await s.release(String((job.input as { name: string }).name));
    const done = await finished(s.api, s.principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await jobAttempts(s.api, done)).toMatchObject([{ outcome: 'succeeded', worker: s.worker.id }]);
  });

  it.skipIf(skip)('leaves new jobs pending while the worker is busy, and runs them in order', async () => {
    const s = await setup({ concurrency: 1 });
    const first = await createTaken(s, 'first');
    await until('the first job to start', async () =>
      s.started.includes(String((first.input as { name: string }).name)),
    );
    const second = await createJob(s.api, s.principal, { type: 'gated', input: { name: 'second' } });
    const third = await createJob(s.api, s.principal, { type: 'gated', input: { name: 'third' } });
    expect([second.status, third.status]).toEqual(['pending', 'pending']);
    await s.release(String((first.input as { name: string }).name));
    await s.release('second');
    await s.release('third');
    for (const job of [second, third]) expect((await finished(s.api, s.principal, job.id)).status).toBe('succeeded');
    expect(s.started.slice(-2)).toEqual(['second', 'third']);
  });

  it.skipIf(skip)('leaves jobs of a type with flow control to the claim, which keeps the limits', async () => {
    const s = await setup();
    const warm = await createTaken(s, 'warm');
    await s.release(String((warm.input as { name: string }).name));
    await finished(s.api, s.principal, warm.id);
    await putFlow(s.api, s.principal.workspaceId, 'gated', { concurrency: 1 });
    const limited = await createJob(s.api, s.principal, { type: 'gated', input: { name: 'limited' } });
    expect(limited.status).toBe('pending');
    await s.release('limited');
    expect((await finished(s.api, s.principal, limited.id)).status).toBe('succeeded');
  });

  it.skipIf(skip)('takes no job once the worker has stopped', async () => {
    const s = await setup();
    const warm = await createTaken(s, 'warm');
    await s.release(String((warm.input as { name: string }).name));
    await finished(s.api, s.principal, warm.id);
    await s.stop();
    const later = await createJob(s.api, s.principal, { type: 'gated', input: { name: 'later' } });
    expect(later.status).toBe('pending');
    expect(await getJob(s.api, s.principal, later.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it.skipIf(skip)('takes no slot of a standing claim for jobs it does not insert', async () => {
    const s = await setup();
    if (!s.services.store.dialect.standingClaims) return;
    const db = s.api.store.db;
    // A claim outlasting the worker's own, so an insert would choose it.
    await sql`INSERT INTO worker_waits (worker_id, types, slots, lease_ms, expires_at, handed)
      VALUES ('elsewhere', ${['gated']}, 5, 30000, ${Date.now() + 600_000}, 0)`.execute(db);
    // One job and a batch, each in a project that does not exist: nothing is inserted.
    for (const count of [1, 2]) {
      const projectId = randomUUID();
      const inputs = Array.from({ length: count }, (_, i) => ({ type: 'gated', projectId, input: { name: `${i}` } }));
      await expect(createJobs(s.api, s.principal, inputs)).rejects.toMatchObject({ code: 'validation_failed' });
    }
    const { rows } = await sql<{ slots: number; handed: string }>`
      SELECT slots, handed FROM worker_waits WHERE worker_id = 'elsewhere'`.execute(db);
    expect(rows.map((r) => [Number(r.slots), Number(r.handed)])).toEqual([[5, 0]]);
  });

  it.skipIf(skip)('forgets the standing claims of workers that died without withdrawing them', async () => {
    const s = await setup();
    if (!s.services.store.dialect.standingClaims) return;
    const db = s.api.store.db;
    const now = Date.now();
    // Two workers that died: one lapsed long ago, one a moment ago (kept a while for clocks that disagree).
    await sql`INSERT INTO worker_waits (worker_id, types, slots, lease_ms, expires_at, handed)
      VALUES ('dead-long-ago', ${['gated']}, 5, 30000, ${now - 120_000}, 0),
        ('dead-just-now', ${['gated']}, 5, 30000, ${now - 1_000}, 0)`.execute(db);
    const waiting = () =>
      sql<{ worker_id: string }>`SELECT worker_id FROM worker_waits ORDER BY worker_id`
        .execute(db)
        .then((r) => r.rows.map((row) => row.worker_id));
    // The idle worker's next poll removes the old row; its own and the recent one stay.
    await until('the lapsed standing claim to be removed', async () =>
      (await waiting()).includes('dead-long-ago') ? undefined : true,
    );
    expect(await waiting()).toEqual(['dead-just-now', s.worker.id].sort());
    const job = await createTaken(s, 'after');
    expect(job.leaseOwner).toBe(s.worker.id);
  });

  it.skipIf(skip)('starts jobs handed over while its connection was lost once it is back', async () => {
    // A long lease: the job can only start soon by being read back, not by its lease expiring.
    const s = await setup({ leaseMs: 60_000 });
    if (!s.services.store.dialect.standingClaims) return;
    const warm = await createTaken(s, 'warm');
    await s.release(String((warm.input as { name: string }).name));
    await finished(s.api, s.principal, warm.id);
    const db = s.api.store.db;
    const killed = await sql<{ pid: number }>`SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
      WHERE application_name = ${`jobline listener ${String(s.schema)}`} AND pid <> pg_backend_pid()`.execute(db);
    expect(killed.rows.length).toBeGreaterThan(0);
    await until('the worker to notice its lost connection', async () =>
      s.services.wakeups.hearsOtherProcesses ? undefined : true,
    );
    // An insert that ran just before the worker noticed: its standing claim is still in place.
    await sql`UPDATE worker_waits SET slots = 1, expires_at = ${Date.now() + 60_000} WHERE worker_id = ${s.worker.id}`.execute(
      db,
    );
    const job = await createJob(s.api, s.principal, { type: 'gated', input: { name: 'unheard' } });
    expect(job).toMatchObject({ status: 'running', leaseOwner: s.worker.id });
    await s.release('unheard');
    const done = await finished(s.api, s.principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(s.started.filter((n) => n === 'unheard')).toHaveLength(1);
  });
});
