import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { Job } from '../../src/core/job.js';
import { defineJob } from '../../src/engine/define-job.js';
import { Registry } from '../../src/core/registry.js';
import { Worker, type WorkerOptions } from '../../src/engine/worker.js';
import type { Services } from '../../src/services/context.js';
import { createServices } from '../../src/create-services.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { getJob, jobAttempts } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { listJobEvents } from '../../src/store/events.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';
import { FAST_WORKER } from '../support/worker-options.js';

// A job created while a worker of the same process is idle is inserted already claimed by it and
// handed over in memory (src/services/handoff.ts). These tests check what a user sees of that: the
// job, its events and its attempts are those of a claimed job, and no job overtakes waiting ones.

describe.each(DIALECTS)('handing new jobs to an idle worker on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A worker of one job type whose handlers wait until released; `started` lists the jobs in the order they started. */
  async function setup(options: WorkerOptions = {}) {
    const db = freshDatabase(dialect);
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const gated = defineJob({
      type: 'gated',
      run: (ctx) => {
        started.push(String((ctx.input as { name: string }).name));
        return new Promise<{ ok: boolean }>((resolve) =>
          gates.set(String((ctx.input as { name: string }).name), () => resolve({ ok: true })),
        );
      },
    });
    const services = await createServices({ ...db.options, registry: new Registry([gated]) });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    const worker = new Worker(services, { ...FAST_WORKER, ...options });
    worker.start();
    cleanups.push(async () => {
      for (const release of gates.values()) release();
      await worker.stop(1000);
      await services.store.close();
      await db.cleanup();
    });
    const release = (name: string) => until(`job ${name} to start`, async () => gates.get(name)).then((open) => open());
    return { services, principal, worker, started, release, options: db.options };
  }

  const finished = (services: Services, principal: Principal, id: string) =>
    until(`job ${id} to finish`, async () => {
      const job = await getJob(services, principal, id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    });

  /**
   * Creates jobs named `name` until one comes back handed over: the worker takes jobs only once its
   * first claim has found the queue empty. The others run as usual.
   */
  async function createHandedOver(
    services: Services,
    principal: Principal,
    release: (name: string) => Promise<void>,
    name: string,
    started: string[],
  ): Promise<Job> {
    for (let i = 0; ; i++) {
      const job = await createJob(services, principal, { type: 'gated', input: { name: `${name}-${i}` } });
      // Handed over in memory, the handler has started by the time createJob returns. (On PostgreSQL
      // a job may also be taken by the worker's standing claim, test/engine/standing-claims.test.ts.)
      if (job.status === 'running' && started.includes(`${name}-${i}`)) return job;
      await release(`${name}-${i}`);
      await finished(services, principal, job.id);
      if (i === 50) throw new Error('no job was handed over to the idle worker');
    }
  }

  it.skipIf(skip)('creates the job claimed by the idle worker, with the events and attempt of a claim', async () => {
    const { services, principal, worker, started, release } = await setup();
    const job = await createHandedOver(services, principal, release, 'direct', started);
    expect(job).toMatchObject({ status: 'running', statusReason: 'claimed', attempts: 1, version: 2 });
    expect(job.startedAt).toBe(job.createdAt);
    // The handler started without waiting for a claim, and the stored job says what createJob said.
    expect(started.at(-1)).toBe((job.input as { name: string }).name);
    expect(await getJob(services, principal, job.id)).toMatchObject({
      status: 'running',
      statusReason: 'claimed',
      attempts: 1,
      version: 2,
      startedAt: job.createdAt,
    });

    await release((job.input as { name: string }).name);
    const done = await finished(services, principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', output: { ok: true }, attempts: 1 });
    expect(await jobAttempts(services, done)).toMatchObject([{ number: 1, outcome: 'succeeded', worker: worker.id }]);
    const events = await listJobEvents(services.store, job.id, 0, 100);
    expect(events.map((e) => [e.seq, e.name])).toEqual([
      [1, 'job.created'],
      [2, 'job.running'],
      [3, 'job.succeeded'],
    ]);
    expect(events[0]!.data).toEqual({ status: 'pending', status_reason: 'queued' });
    expect(events[1]!.data).toEqual({
      status: 'running',
      status_reason: 'claimed',
      previous_status: 'pending',
      attempt: 1,
      error: null,
    });
    expect(events[1]!.actor).toBe(worker.id);
  });

  it.skipIf(skip)('tells workspace feed followers of every new job, handed over or not', async () => {
    const { services, principal, release, options, started } = await setup();
    // On PostgreSQL the follower is another process's services (it hears by LISTEN); SQLite has one process.
    const follower =
      dialect === 'postgres' ? await createServices({ ...options, registry: new Registry([]) }) : services;
    if (follower !== services) cleanups.push(() => follower.store.close());
    let newJobs = 0;
    follower.wakeups.onJobEvent((jobId, workspaceId) => {
      // A workspace-wide wake-up (no job id) is how a feed follower hears of a job created.
      if (jobId === '' && workspaceId === principal.workspaceId) newJobs++;
    });
    await follower.wakeups.ready();
    const job = await createHandedOver(services, principal, release, 'followed', started);
    const created = Number(
      (
        await services.store.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    await until(`a wake-up for each of the ${created} jobs created`, async () => newJobs >= created || undefined);
    expect(job.status).toBe('running');
  });

  it.skipIf(skip)('leaves new jobs pending while the worker is busy, and runs them in order', async () => {
    const { services, principal, started, release } = await setup({ concurrency: 1 });
    const first = await createHandedOver(services, principal, release, 'first', started);
    const waiting = await createJobs(services, principal, [
      { type: 'gated', input: { name: 'second' } },
      { type: 'gated', input: { name: 'third' } },
    ]);
    expect(waiting.map((j) => j.status)).toEqual(['pending', 'pending']);
    const fourth = await createJob(services, principal, { type: 'gated', input: { name: 'fourth' } });
    expect(fourth.status).toBe('pending');

    await release((first.input as { name: string }).name);
    for (const name of ['second', 'third', 'fourth']) await release(name);
    for (const job of [...waiting, fourth])
      expect((await finished(services, principal, job.id)).status).toBe('succeeded');
    expect(started.slice(-4)).toEqual([(first.input as { name: string }).name, 'second', 'third', 'fourth']);
  });

  it.skipIf(skip)('gives the slot back when the insert fails', async () => {
    const { services, principal, release, started } = await setup({ concurrency: 1 });
    const first = await createHandedOver(services, principal, release, 'warm', started);
    await release((first.input as { name: string }).name);
    await finished(services, principal, first.id);
    await expect(
      createJob(services, principal, {
        type: 'gated',
        projectId: '0190b7e0-0000-7000-8000-000000000000',
        input: { name: 'lost' },
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // Had the failed insert kept its reserved slot, this worker of one slot would look busy for good.
    const next = await createHandedOver(services, principal, release, 'after', started);
    expect(next.status).toBe('running');
    await release((next.input as { name: string }).name);
    expect((await finished(services, principal, next.id)).status).toBe('succeeded');
  });
});
