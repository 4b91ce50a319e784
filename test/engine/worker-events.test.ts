import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { ClaimedJob } from '../../src/core/job.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { Worker, type WorkerOptions } from '../../src/engine/worker.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';
import { FAST_WORKER } from '../support/worker-options.js';
import { times } from '../support/worker-events.js';

// What a worker tells its listeners (worker.on(...), src/engine/worker-events.ts): each event after
// what it reports is written, so awaiting one is enough to read the result back.

describe.each(DIALECTS)('worker events on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Services with these job types, a principal, and a worker, started unless told otherwise. */
  async function setup(definitions: JobDefinition[], options: WorkerOptions = {}, start = true) {
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, registry: new Registry(definitions) });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    const worker = new Worker(services, { ...FAST_WORKER, ...options });
    if (start) worker.start();
    let closed = false;
    cleanups.push(async () => {
      await worker.stop(1000);
      if (!closed) await services.store.close();
      await db.cleanup();
    });
    const closeStore = async () => {
      closed = true;
      await services.store.close();
    };
    return { services, principal, worker, closeStore };
  }

  it.skipIf(skip)('tells active, progress and completed in order, each with the job, after it is stored', async () => {
    const echo = defineJob({
      type: 'echo',
      async run(ctx) {
        await ctx.progress(140, 'reading');
        return { said: (ctx.input as { text: string }).text };
      },
    });
    const { services, principal, worker } = await setup([echo]);
    const seen: unknown[][] = [];
    worker.on('active', (job) => seen.push(['active', job.id, job.type, job.attempts]));
    worker.on('progress', (job, percent, message) => seen.push(['progress', job.id, percent, message]));
    worker.on('completed', (job, output) => seen.push(['completed', job.id, output]));
    const completed = once(worker, 'completed');
    const created = await createJob(services, principal, { type: 'echo', input: { text: 'hi' } });
    const [job, output] = (await completed) as [ClaimedJob, unknown];
    expect(job).toMatchObject({ id: created.id, type: 'echo', input: { text: 'hi' }, attempts: 1 });
    expect(output).toEqual({ said: 'hi' });
    expect(seen).toEqual([
      ['active', created.id, 'echo', 1],
      ['progress', created.id, 100, 'reading'],
      ['completed', created.id, { said: 'hi' }],
    ]);
    expect(await getJob(services, principal, created.id)).toMatchObject({
      status: 'succeeded',
      output: { said: 'hi' },
    });
  });

  it.skipIf(skip)('tells failed with the error and whether the job is retried, a timeout included', async () => {
    const flaky = defineJob({
      type: 'flaky',
      backoff: { baseMs: 1, maxMs: 1 },
      run: (ctx) => Promise.reject(Object.assign(new Error(`down ${ctx.attempt}`), { code: 'remote_down' })),
    });
    const slow = defineJob({ type: 'slow', timeoutMs: 50, run: () => new Promise(() => undefined) });
    const { services, principal, worker } = await setup([flaky, slow]);
    const failures: [string, string, unknown, boolean][] = [];
    worker.on('failed', (job, error, retrying) =>
      failures.push([job.id, error.message, (error as { code?: unknown }).code, retrying]),
    );
    const a = await createJob(services, principal, { type: 'flaky', maxAttempts: 2 });
    await until('the flaky job to fail for good', async () => (failures.length === 2 ? true : undefined));
    expect(failures).toEqual([
      [a.id, 'down 1', 'remote_down', true],
      [a.id, 'down 2', 'remote_down', false],
    ]);
    expect(await getJob(services, principal, a.id)).toMatchObject({ status: 'failed', attempts: 2 });

    const failed = once(worker, 'failed');
    const b = await createJob(services, principal, { type: 'slow', maxAttempts: 1 });
    const [job, error, retrying] = (await failed) as [ClaimedJob, Error, boolean];
    expect(job.id).toBe(b.id);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'timeout' });
    expect(retrying).toBe(false);
    expect(await getJob(services, principal, b.id)).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  });

  it.skipIf(skip)('tells cancelled for a running job and for one held in the local queue', async () => {
    const ran: string[] = [];
    const waits = defineJob({
      type: 'waits',
      run: (ctx) =>
        new Promise((_resolve, reject) => {
          ran.push(ctx.jobId);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    });
    const { services, principal, worker } = await setup([waits], { concurrency: 1, prefetch: 1 });
    const active = once(worker, 'active');
    const running = await createJob(services, principal, { type: 'waits' });
    await active;
    const held = await createJob(services, principal, { type: 'waits' });
    // No event tells a claim ahead: the database does.
    await until('the second job to be claimed ahead', async () =>
      (await getJob(services, principal, held.id)).status === 'running' ? true : undefined,
    );
    const cancelledHeld = once(worker, 'cancelled');
    await cancelJob(services, principal, held.id);
    expect(((await cancelledHeld) as [ClaimedJob])[0].id).toBe(held.id);
    expect(await getJob(services, principal, held.id)).toMatchObject({ status: 'cancelled' });

    const cancelledRunning = once(worker, 'cancelled');
    await cancelJob(services, principal, running.id);
    expect(((await cancelledRunning) as [ClaimedJob])[0].id).toBe(running.id);
    expect(await getJob(services, principal, running.id)).toMatchObject({ status: 'cancelled' });
    expect(ran).toEqual([running.id]);
  });

  it.skipIf(skip)('tells drained when a claim finds no job of its types left, and again after new work', async () => {
    const quick = defineJob({ type: 'quick', run: () => null });
    const { services, principal, worker } = await setup([quick], {}, false);
    const first = once(worker, 'drained');
    worker.start();
    await first;
    const again = once(worker, 'drained');
    const jobs = await createJobs(
      services,
      principal,
      Array.from({ length: 30 }, () => ({ type: 'quick' })),
    );
    await again;
    // Drained says the queue has nothing left for this worker; some jobs may still be running.
    const statuses = await Promise.all(jobs.map(async (j) => (await getJob(services, principal, j.id)).status));
    expect(statuses.filter((s) => s === 'pending')).toEqual([]);
  });

  it.skipIf(skip)('keeps working when a listener throws or rejects, and reports that as an error', async () => {
    const quick = defineJob({ type: 'quick', run: () => 'done' });
    const { services, principal, worker } = await setup([quick]);
    const errors: string[] = [];
    const outputs: unknown[] = [];
    worker.on('active', () => {
      throw new Error('a listener broke');
    });
    // A listener returning a rejected promise is what this test is about.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    worker.on('completed', () => Promise.reject(new Error('an async listener broke')));
    worker.on('completed', (_job, output) => void outputs.push(output));
    worker.on('error', (error) => {
      errors.push(error.message);
      throw new Error('an error listener broke too');
    });
    const three = times(worker, 'completed', 3);
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await createJob(services, principal, { type: 'quick' }));
    await three;
    expect(outputs).toEqual(['done', 'done', 'done']);
    for (const j of jobs) expect(await getJob(services, principal, j.id)).toMatchObject({ status: 'succeeded' });
    await until('the rejected listeners to be reported', async () =>
      errors.filter((m) => m === 'an async listener broke').length === 3 ? true : undefined,
    );
    expect(errors.filter((m) => m === 'a listener broke')).toHaveLength(3);
    expect(errors.filter((m) => m === 'an error listener broke too')).toEqual([]);
  });

  it.skipIf(skip)('reports a failed claim as an error and goes on', async () => {
    const quick = defineJob({ type: 'quick', run: () => null });
    const { worker, closeStore } = await setup([quick]);
    await once(worker, 'drained');
    const failed = once(worker, 'error');
    await closeStore();
    const [error] = (await failed) as [Error];
    expect(error).toBeInstanceOf(Error);
  });
});
