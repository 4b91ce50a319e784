import { once } from 'node:events';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { defineJob, NonRetryableError, type JobDefinition } from '../../src/engine/define-job.js';
import { Registry } from '../../src/core/registry.js';
import { Worker, type WorkerOptions } from '../../src/engine/worker.js';
import type { Services } from '../../src/services/context.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { getJob, jobAttempts } from '../../src/services/job-reads.js';
import { retryJob } from '../../src/services/job-changes.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { createServices } from '../../src/create-services.js';
import { until } from '../support/until.js';
import { afterEvents, times } from '../support/worker-events.js';
import { FAST_WORKER } from '../support/worker-options.js';

describe.each(DIALECTS)('worker on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Services with these job types, a principal, and a started worker. */
  async function setup(definitions: JobDefinition[], options: WorkerOptions = {}) {
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, registry: new Registry(definitions) });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    const worker = new Worker(services, { ...FAST_WORKER, ...options });
    worker.start();
    cleanups.push(async () => {
      await worker.stop(1000);
      await services.store.close();
      await db.cleanup();
    });
    return { services, principal, worker, db };
  }

  /** The job once it ended, looked up again each time the worker reports an outcome. */
  const finished = (worker: Worker, services: Services, principal: Principal, id: string) =>
    afterEvents(worker, `job ${id} to finish`, async () => {
      const job = await getJob(services, principal, id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    });

  it.skipIf(skip)('runs a job and stores its output, progress and attempt', async () => {
    const echo = defineJob({
      type: 'echo',
      input: Type.Object({ text: Type.String() }),
      output: Type.Object({ shouted: Type.String() }),
      async run(ctx) {
        await ctx.progress(50, 'halfway');
        return { shouted: ctx.input.text.toUpperCase() };
      },
    });
    const { services, principal, worker } = await setup([echo]);
    const job = await createJob(services, principal, { type: 'echo', input: { text: 'hello' } });
    const done = await finished(worker, services, principal, job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      statusReason: 'completed',
      output: { shouted: 'HELLO' },
      progress: 100,
      attempts: 1,
    });
    const attempts = await jobAttempts(services, done);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ number: 1, outcome: 'succeeded', error: null });
  });

  it.skipIf(skip)('rejects input that does not match the type schema, with pointers', async () => {
    const typed = defineJob({
      type: 'typed',
      input: Type.Object({ count: Type.Integer({ minimum: 1 }) }),
      run: () => null,
    });
    const { services, principal } = await setup([typed]);
    await expect(createJob(services, principal, { type: 'typed', input: { count: 0 } })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ pointer: '#/input/count', detail: 'must be >= 1' }],
    });
  });

  it.skipIf(skip)('retries a failing job with backoff, recording each attempt, until it succeeds', async () => {
    let calls = 0;
    const flaky = defineJob({
      type: 'flaky',
      maxAttempts: 5,
      backoff: { baseMs: 10, maxMs: 50 },
      run: () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error(`boom ${calls}`), { code: 'remote_down' });
        return { calls };
      },
    });
    const { services, principal, worker } = await setup([flaky]);
    const job = await createJob(services, principal, { type: 'flaky', maxAttempts: 5 });
    const done = await finished(worker, services, principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 3, output: { calls: 3 } });
    const attempts = await jobAttempts(services, done);
    expect(attempts.map((a) => [a.number, a.outcome, a.error?.message, a.error?.code])).toEqual([
      [1, 'failed', 'boom 1', 'remote_down'],
      [2, 'failed', 'boom 2', 'remote_down'],
      [3, 'succeeded', undefined, undefined],
    ]);
    expect(attempts[0]!.error!.stack).toContain('boom 1');
  });

  it.skipIf(skip)('fails for good when attempts run out, and at once on a non-retryable error', async () => {
    const always = defineJob({
      type: 'always-fails',
      backoff: { baseMs: 5, maxMs: 5 },
      run: () => Promise.reject(new Error('nope')),
    });
    const fatal = defineJob({
      type: 'fatal',
      run: () => Promise.reject(new NonRetryableError('bad input', 'bad_input')),
    });
    const { services, principal, worker } = await setup([always, fatal]);
    const a = await createJob(services, principal, { type: 'always-fails', maxAttempts: 2 });
    const b = await createJob(services, principal, { type: 'fatal', maxAttempts: 5 });
    expect(await finished(worker, services, principal, a.id)).toMatchObject({
      status: 'failed',
      statusReason: 'attempts_exhausted',
      attempts: 2,
      error: { message: 'nope' },
    });
    expect(await finished(worker, services, principal, b.id)).toMatchObject({
      status: 'failed',
      statusReason: 'failed',
      attempts: 1,
      error: { message: 'bad input', code: 'bad_input' },
    });
  });

  it.skipIf(skip)('fails a job whose output no database can store, and keeps error text storable', async () => {
    const nul = defineJob({ type: 'nul-output', run: () => ({ text: 'a\u0000b' }) });
    const loud = defineJob({ type: 'nul-error', run: () => Promise.reject(new NonRetryableError('bad \u0000 byte')) });
    const { services, principal, worker } = await setup([nul, loud]);
    const a = await createJob(services, principal, { type: 'nul-output' });
    const b = await createJob(services, principal, { type: 'nul-error' });
    expect(await finished(worker, services, principal, a.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'invalid_output' },
    });
    expect(await finished(worker, services, principal, b.id)).toMatchObject({
      status: 'failed',
      error: { message: 'bad \uFFFD byte' },
    });
  });

  it.skipIf(skip)('times out an attempt through the signal and counts it as failed', async () => {
    let aborted = false;
    const slow = defineJob({
      type: 'slow',
      timeoutMs: 100,
      run: (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason as Error);
          });
        }),
    });
    const { services, principal, worker } = await setup([slow]);
    const job = await createJob(services, principal, { type: 'slow', maxAttempts: 1 });
    const done = await finished(worker, services, principal, job.id);
    expect(aborted).toBe(true);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect((await jobAttempts(services, done))[0]).toMatchObject({ outcome: 'timed_out' });
  });

  it.skipIf(skip)('gives a handler that reads its signal only after the timeout a signal already aborted', async () => {
    let seen: { aborted: boolean; code: unknown } | undefined;
    const late = defineJob({
      type: 'late',
      timeoutMs: 50,
      run: async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 120));
        seen = { aborted: ctx.signal.aborted, code: (ctx.signal.reason as { code?: unknown } | undefined)?.code };
        return null;
      },
    });
    const { services, principal, worker } = await setup([late]);
    const job = await createJob(services, principal, { type: 'late', maxAttempts: 1 });
    const done = await finished(worker, services, principal, job.id);
    expect(seen).toEqual({ aborted: true, code: 'timeout' });
    expect(done).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  });

  it.skipIf(skip)('cancels a running job: the handler is signalled and the job ends cancelled', async () => {
    const long = defineJob({
      type: 'long',
      run: (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    });
    const { services, principal, worker } = await setup([long]);
    const active = once(worker, 'active');
    const job = await createJob(services, principal, { type: 'long' });
    await active;
    const cancelling = await cancelJob(services, principal, job.id);
    expect(cancelling.status).toBe('cancelling');
    const done = await finished(worker, services, principal, job.id);
    expect(done).toMatchObject({ status: 'cancelled', statusReason: 'cancelled_by_client' });
  });

  it.skipIf(skip)('ends a cancelled job even when its handler ignores the signal', async () => {
    const stubborn = defineJob({ type: 'stubborn', run: () => new Promise(() => undefined) });
    const { services, principal, worker } = await setup([stubborn]);
    const active = once(worker, 'active');
    const job = await createJob(services, principal, { type: 'stubborn' });
    await active;
    await cancelJob(services, principal, job.id);
    expect(await finished(worker, services, principal, job.id)).toMatchObject({ status: 'cancelled' });
  });

  it.skipIf(skip)('runs higher priority first and holds delayed jobs until run_at', async () => {
    const order: string[] = [];
    const record = defineJob({
      type: 'record',
      input: Type.Object({ name: Type.String() }),
      run: (ctx) => void order.push(ctx.input.name),
    });
    const { services, principal, worker } = await setup([record], { concurrency: 1 });
    await worker.stop(100); // queue everything first, then let one worker take them in order
    await createJob(services, principal, { type: 'record', input: { name: 'low' }, priority: -5 });
    await createJob(services, principal, { type: 'record', input: { name: 'high' }, priority: 10 });
    await createJob(services, principal, {
      type: 'record',
      input: { name: 'later' },
      priority: 100,
      runAt: Date.now() + 600,
    });
    const again = new Worker(services, { ...FAST_WORKER, concurrency: 1 });
    const three = times(again, 'completed', 3);
    again.start();
    cleanups.push(() => again.stop(1000));
    await three;
    expect(order).toEqual(['high', 'low', 'later']);
  });

  it.skipIf(skip)('runs a job after what it depends on succeeded, and fails it when one fails', async () => {
    const order: string[] = [];
    const step = defineJob({
      type: 'step',
      input: Type.Object({ name: Type.String(), fail: Type.Optional(Type.Boolean()) }),
      run: async (ctx) => {
        await new Promise((r) => setTimeout(r, 30));
        if (ctx.input.fail === true) throw new NonRetryableError('step failed');
        order.push(ctx.input.name);
      },
    });
    const { services, principal, worker } = await setup([step]);
    const a = await createJob(services, principal, { type: 'step', input: { name: 'a' } });
    const b = await createJob(services, principal, { type: 'step', input: { name: 'b' }, dependsOn: [a.id] });
    expect(b).toMatchObject({ status: 'pending', statusReason: 'waiting' });
    expect(await finished(worker, services, principal, b.id)).toMatchObject({ status: 'succeeded' });
    expect(order).toEqual(['a', 'b']);

    const bad = await createJob(services, principal, { type: 'step', input: { name: 'bad', fail: true } });
    const child = await createJob(services, principal, { type: 'step', input: { name: 'child' }, dependsOn: [bad.id] });
    const grandchild = await createJob(services, principal, {
      type: 'step',
      input: { name: 'grandchild' },
      dependsOn: [child.id],
    });
    expect(await finished(worker, services, principal, grandchild.id)).toMatchObject({
      status: 'failed',
      statusReason: 'dependency_failed',
    });
    const failedChild = await getJob(services, principal, child.id);
    expect(failedChild.error?.message).toContain(bad.id);
    await expect(
      createJob(services, principal, {
        type: 'step',
        input: { name: 'x' },
        dependsOn: ['0190f5c8-5f9e-7a41-b1c2-3d4e5f607182'],
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it.skipIf(skip)('gives the jobs of a worker that stopped heartbeating to another worker', async () => {
    let runs = 0;
    const once = defineJob({
      type: 'hangs-first',
      run: () => {
        runs++;
        return runs === 1 ? new Promise(() => undefined) : { run: runs };
      },
    });
    // The first worker never renews its lease: as if its process froze or was killed.
    const { services, principal, worker } = await setup([once], {
      heartbeatMs: 60_000,
      leaseMs: 300,
      cancelCheckMs: 60_000,
    });
    const job = await createJob(services, principal, { type: 'hangs-first' });
    const done = await finished(worker, services, principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, output: { run: 2 } });
    const attempts = await jobAttempts(services, done);
    expect(attempts.map((a) => a.outcome)).toEqual(['lease_expired', 'succeeded']);
  });

  it.skipIf(skip)('retries a failed job on request with fresh attempts', async () => {
    let calls = 0;
    const once = defineJob({
      type: 'fails-once',
      run: () => (++calls === 1 ? Promise.reject(new NonRetryableError('first')) : 'ok'),
    });
    const { services, principal, worker } = await setup([once]);
    const job = await createJob(services, principal, { type: 'fails-once' });
    expect(await finished(worker, services, principal, job.id)).toMatchObject({ status: 'failed' });
    const requeued = await retryJob(services, principal, job.id);
    expect(requeued).toMatchObject({ status: 'pending', attempts: 0, error: null });
    const done = await finished(worker, services, principal, job.id);
    expect(done).toMatchObject({ status: 'succeeded', output: 'ok' });
    expect((await jobAttempts(services, done)).map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    await expect(retryJob(services, principal, job.id)).rejects.toMatchObject({ code: 'job_state_conflict' });
  });

  it.skipIf(skip)('on stop, waits for running handlers, then releases those that do not finish', async () => {
    const forever = defineJob({ type: 'forever', run: () => new Promise(() => undefined) });
    const { services, principal, worker } = await setup([forever]);
    const active = once(worker, 'active');
    const job = await createJob(services, principal, { type: 'forever' });
    await active;
    await worker.stop(100);
    expect(await getJob(services, principal, job.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });
  it.skipIf(skip)(
    'claims ahead with prefetch but runs no more than its concurrency; queued jobs cancel and release',
    async () => {
      let running = 0;
      let most = 0;
      const gates: (() => void)[] = [];
      const gated = defineJob({
        type: 'gated',
        run: () =>
          new Promise<null>((resolve) => {
            running++;
            most = Math.max(most, running);
            gates.push(() => {
              running--;
              resolve(null);
            });
          }),
      });
      const { services, principal, worker } = await setup([gated], { concurrency: 2, prefetch: 3, batchSize: 10 });
      const twoActive = times(worker, 'active', 2);
      const jobs: { id: string }[] = [];
      for (let i = 0; i < 6; i++) jobs.push(await createJob(services, principal, { type: 'gated' }));
      await twoActive;
      // Two run and three wait in the worker's queue, leased; the sixth stays in the database.
      const statuses = async () => Promise.all(jobs.map(async (j) => (await getJob(services, principal, j.id)).status));
      await until('five jobs to be claimed', async () =>
        (await statuses()).filter((s) => s === 'running').length === 5 ? true : undefined,
      );
      expect((await statuses()).filter((s) => s === 'pending')).toHaveLength(1);
      // A queued job that is cancelled ends cancelled without its handler running.
      const held: string[] = [];
      for (const j of jobs) if ((await getJob(services, principal, j.id)).status === 'running') held.push(j.id);
      const queuedId = held[held.length - 1]!;
      await cancelJob(services, principal, queuedId);
      expect(await finished(worker, services, principal, queuedId)).toMatchObject({
        status: 'cancelled',
        statusReason: 'cancelled_by_client',
      });
      // Finishing one handler starts a queued job: never more than two at once.
      gates.shift()!();
      await until('a queued job to start', async () => (gates.length === 2 ? true : undefined));
      expect(most).toBe(2);
      // Stopping gives the queued jobs back at once, their attempt not counted.
      const stopped = worker.stop(100);
      for (const release of gates.splice(0)) release();
      await stopped;
      const after = await Promise.all(jobs.map((j) => getJob(services, principal, j.id)));
      expect(after.filter((j) => j.status === 'succeeded')).toHaveLength(3);
      expect(after.filter((j) => j.status === 'cancelled')).toHaveLength(1);
      expect(after.filter((j) => j.status === 'pending').every((j) => j.attempts === 0)).toBe(true);
      expect(after.filter((j) => j.status === 'pending')).toHaveLength(2);
      expect(most).toBe(2);
    },
  );
  it.skipIf(skip)('holds no more than concurrency + prefetch + one batch, however fast handlers finish', async () => {
    let handled = 0;
    const instant = defineJob({ type: 'instant', run: () => (handled++, null) });
    const { services, principal, worker } = await setup([instant], { concurrency: 4, prefetch: 10, batchSize: 10 });
    const all = times(worker, 'completed', 2000, 30_000);
    await createJobs(
      services,
      principal,
      Array.from({ length: 2000 }, () => ({ type: 'instant' })),
    );
    // Sampled from a timer: on SQLite, whose queries complete synchronously, a worker that never yielded
    // would both starve this timer and claim everything before writing anything back.
    let most = 0;
    const sampler = setInterval(() => {
      void services.store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow()
        .then((r) => (most = Math.max(most, Number(r.n))));
    }, 2);
    try {
      await all;
    } finally {
      clearInterval(sampler);
    }
    expect(handled).toBe(2000);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4 + 10 + 10);
  });
});
