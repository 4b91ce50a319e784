import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defineJob, NonRetryableError, runRemoteWorker, Type } from '../../src/index.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Handlers the server knows only by their policy (attempts); the remote worker runs them.
const started: string[] = [];
const sawAbort: Record<string, unknown> = {};
const jobs = [
  defineJob({
    type: 'shout',
    input: Type.Object({ text: Type.String() }),
    run: async (ctx) => {
      await ctx.progress(50, 'shouting');
      await ctx.writeFile('shout.txt', ctx.input.text.toUpperCase(), 'text/plain');
      return { text: ctx.input.text.toUpperCase() };
    },
  }),
  defineJob({
    type: 'wait-for-cancel',
    run: ({ jobId, signal }) =>
      new Promise((_resolve, reject) => {
        started.push(jobId);
        signal.addEventListener('abort', () => {
          sawAbort[jobId] = signal.reason;
          reject(new Error('stopped'));
        });
      }),
  }),
  defineJob({
    type: 'too-slow',
    maxAttempts: 1,
    timeoutMs: 300,
    run: ({ jobId, signal }) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          sawAbort[jobId] = signal.reason;
          reject(new Error('gave up'));
        });
      }),
  }),
  defineJob({ type: 'quick', run: () => ({ ok: true }) }),
  defineJob({
    type: 'refuse',
    maxAttempts: 3,
    run: () => {
      throw new NonRetryableError('cannot ever work', 'bad_input');
    },
  }),
];

describe.each(DIALECTS)('a remote TypeScript worker on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  let stop: AbortController | undefined;
  let running: Promise<void> | undefined;
  afterEach(async () => {
    stop?.abort();
    await running;
    await t?.close();
    t = undefined;
  });

  /** A listening server, each request told to `seen`, and a worker token; `count` jobs of `type` queued. */
  async function serve(
    seen: ((url: string, body: unknown) => void) | undefined,
    queued?: { type: string; count: number },
  ): Promise<{ t: TestApp; url: string; token: string; ids: string[] }> {
    t = await testApp(dialect, { definitions: jobs });
    if (seen !== undefined) t.app.addHook('preHandler', async (request) => seen(request.url, request.body));
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const token = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'remote', scopes: ['jobs:work'] } })
    ).json().secret as string;
    if (queued === undefined) return { t, url, token, ids: [] };
    const created = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: Array.from({ length: queued.count }, () => ({ type: queued.type })) },
    });
    return { t, url, token, ids: created.json().data.map((j: any) => j.id as string) };
  }

  async function start(seen?: (url: string, body: unknown) => void): Promise<TestApp> {
    const { t, url, token } = await serve(seen);
    stop = new AbortController();
    running = runRemoteWorker({
      url,
      token,
      jobs,
      concurrency: 3,
      name: 'remote-ts',
      signal: stop.signal,
      leaseSeconds: 1,
      waitSeconds: 1,
      log: pino({ level: 'silent' }),
    });
    return t;
  }
  /** Like start, with `count` jobs of `type` queued before the worker starts; returns their ids. */
  async function startWithQueued(
    type: string,
    count: number,
    seen: (url: string, body: unknown) => void,
  ): Promise<{ t: TestApp; ids: string[] }> {
    const { t, url, token, ids } = await serve(seen, { type, count });
    stop = new AbortController();
    running = runRemoteWorker({
      url,
      token,
      jobs,
      concurrency: 3,
      signal: stop.signal,
      waitSeconds: 1,
      log: pino({ level: 'silent' }),
    });
    return { t, ids };
  }
  const create = async (t: TestApp, type: string, input: object = {}) =>
    (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input } })).json().id as string;

  it_('runs jobs created through the API to success, with progress and files, then stops', async () => {
    const t = await start();
    const ids = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((text) => create(t, 'shout', { text })));
    const done = await Promise.all(ids.map((id) => t.finished(id)));
    expect(done.map((j) => j.status)).toEqual(Array(6).fill('succeeded'));
    expect(done.map((j) => j.output)).toEqual(['A', 'B', 'C', 'D', 'E', 'F'].map((text) => ({ text })));
    expect(done.every((j) => j.attempts === 1)).toBe(true);
    const job = (await t.call({ method: 'GET', url: `/v1/jobs/${ids[0]}` })).json();
    expect(job.progress_message).toBe('shouting');
    expect(job.files.map((f: any) => f.name)).toEqual(['shout.txt']);
    stop!.abort();
    await running;
  });

  it_('completes the jobs that finish together in one call', async () => {
    const sizes: number[] = [];
    // The jobs wait before the worker starts, so its first claim takes three that finish in one turn.
    const { t, ids } = await startWithQueued('quick', 9, (url, body) => {
      if (url === '/v1/worker/completions') sizes.push((body as { data: unknown[] }).data.length);
      else expect(url).not.toMatch(/\/complete$/);
    });
    const done = await Promise.all(ids.map((id: string) => t.finished(id)));
    expect(done.map((j) => j.status)).toEqual(Array(9).fill('succeeded'));
    expect(sizes[0]).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(9);
  });

  it_('claims the next jobs with its completions while busy, never more than its slots a call', async () => {
    const claims: number[] = [];
    const nextClaims: number[] = [];
    const { t, ids } = await startWithQueued('quick', 30, (url, body) => {
      const b = body as { limit?: number; claim?: { limit: number } };
      if (url === '/v1/worker/claims') claims.push(b.limit!);
      if (url === '/v1/worker/completions') nextClaims.push(b.claim?.limit ?? 0);
    });
    const done = await Promise.all(ids.map((id: string) => t.finished(id)));
    expect(done.every((j) => j.status === 'succeeded' && j.attempts === 1)).toBe(true);
    // Most jobs came with completions: separate claims are the first one and the long polls once the
    // queue ran dry.
    expect(nextClaims.length).toBeGreaterThanOrEqual(10);
    expect(nextClaims.every((n) => n >= 1 && n <= 3)).toBe(true);
    expect(claims.length).toBeLessThan(nextClaims.length);
    expect(claims.every((n) => n >= 1 && n <= 3)).toBe(true);
  });

  it_(
    'claims ahead of its free slots with prefetch, runs only `concurrency` at once, and gives back the rest when stopped',
    async () => {
      const limits: number[] = [];
      const { t, url, token, ids } = await serve(
        (url, body) => {
          if (url === '/v1/worker/claims') limits.push((body as { limit: number }).limit);
        },
        { type: 'wait-for-cancel', count: 8 },
      );
      const halt = new AbortController();
      const worker = runRemoteWorker({
        url,
        token,
        jobs,
        concurrency: 2,
        prefetch: 3,
        signal: halt.signal,
        waitSeconds: 1,
        graceMs: 0,
        log: pino({ level: 'silent' }),
      });
      while (ids.filter((id: string) => started.includes(id)).length < 2) await new Promise((r) => setTimeout(r, 20));
      expect(limits[0]).toBe(5);
      const statuses = async () =>
        (
          await t.services.store.db.selectFrom('jobs').select(['status', 'attempts']).where('id', 'in', ids).execute()
        ).map((j) => `${j.status}:${j.attempts}`);
      expect((await statuses()).sort()).toEqual([...Array(3).fill('pending:0'), ...Array(5).fill('running:1')]);
      halt.abort();
      await worker;
      expect(ids.filter((id: string) => started.includes(id))).toHaveLength(2);
      expect(await statuses()).toEqual(Array(8).fill('pending:0'));
    },
  );

  it_("brings a cancel to the handler's signal, and the job ends cancelled", async () => {
    const t = await start();
    const id = await create(t, 'wait-for-cancel');
    while (!started.includes(id)) await new Promise((r) => setTimeout(r, 20));
    expect((await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` })).statusCode).toBe(200);
    const job = await t.finished(id);
    expect(job.status).toBe('cancelled');
    expect(sawAbort[id]).toBe('cancelled');
  });

  it_('keeps the leases of its running jobs with one heartbeat call for all, which brings a cancel', async () => {
    const batches: number[] = [];
    let single = 0;
    const t = await start((url, body) => {
      if (url === '/v1/worker/heartbeats') batches.push((body as { data: unknown[] }).data.length);
      if (url.endsWith('/heartbeat')) single++;
    });
    const ids = await Promise.all([1, 2, 3].map(() => create(t, 'wait-for-cancel')));
    while (!ids.every((id) => started.includes(id))) await new Promise((r) => setTimeout(r, 20));
    // Twice the lease (1 s): without heartbeats the leases would have run out.
    const since = batches.length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(batches.slice(since).filter((n) => n === 3).length).toBeGreaterThanOrEqual(3);
    expect(single).toBe(0);
    const held = await t.services.store.db
      .selectFrom('jobs')
      .select(['status', 'attempts', 'lease_expires_at'])
      .where('id', 'in', ids)
      .execute();
    expect(held.every((j) => j.status === 'running' && j.attempts === 1 && j.lease_expires_at! > Date.now())).toBe(
      true,
    );
    for (const id of ids) expect((await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` })).statusCode).toBe(200);
    const done = await Promise.all(ids.map((id) => t.finished(id)));
    expect(done.map((j) => j.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(ids.map((id) => sawAbort[id])).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it_('fails a job whose handler throws NonRetryableError without retrying it', async () => {
    const t = await start();
    const id = await create(t, 'refuse');
    const job = await t.finished(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1, max_attempts: 3 });
    expect(job.error).toMatchObject({ message: 'cannot ever work', code: 'bad_input' });
  });

  it_("aborts the handler's signal when the attempt times out, and the job fails as timed out", async () => {
    const t = await start();
    const id = await create(t, 'too-slow');
    const job = await t.finished(id);
    expect(sawAbort[id]).toBe('timed_out');
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.stringify(job.error)).toMatch(/timed out|timed_out/);
  });

  it_('gives a running job back to the queue when stopped past the grace period', async () => {
    t = await testApp(dialect, { definitions: jobs });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const token = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'remote', scopes: ['jobs:work'] } })
    ).json().secret as string;
    const id = await create(t, 'wait-for-cancel');
    const halt = new AbortController();
    const worker = runRemoteWorker({
      url,
      token,
      jobs,
      signal: halt.signal,
      leaseSeconds: 1,
      waitSeconds: 1,
      graceMs: 0,
      log: pino({ level: 'silent' }),
    });
    while (!started.includes(id)) await new Promise((r) => setTimeout(r, 20));
    halt.abort();
    await worker;
    const job = (await t.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    expect(sawAbort[id]).toBe('shutdown');
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
