import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { Worker } from '../../src/engine/worker.js';
import { DIALECTS, skipUnlessAvailable, TestClock } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { FAST_WORKER } from '../support/worker-options.js';
import { until } from '../support/until.js';
import { answerChecker, postDeclared, type Json } from '../support/openapi.js';
import { listAttempts } from '../../src/store/queue.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const definitions = [
  defineJob({
    type: 'shared',
    run: async ({ input }) => {
      await new Promise((r) => setTimeout(r, 10));
      return { by: 'in-process', n: (input as { n: number }).n };
    },
  }),
  defineJob({ type: 'remote', maxAttempts: 3, backoff: { baseMs: 10_000, maxMs: 10_000 }, run: () => null }),
  defineJob({ type: 'other', run: () => null }),
  defineJob({ type: 'bounded', timeoutMs: 5000, backoff: { baseMs: 1, maxMs: 1 }, run: () => null }),
];

/** Every job's attempts, as its attempt history reads them (a succeeded attempt is in the job's row). */
async function everyAttempt(t: TestApp): Promise<{ job_id: string; worker: string | null; outcome: string }[]> {
  const db = t.services.store.db;
  const jobs = await db.selectFrom('jobs').select('id').execute();
  const lists = await Promise.all(jobs.map((j) => listAttempts(db, j.id)));
  return lists.flat().map((a) => ({ job_id: a.job_id, worker: a.worker, outcome: a.outcome }));
}

describe.each(DIALECTS)('the worker protocol on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  let check: ReturnType<typeof answerChecker>;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function setup(clock?: TestClock, maxFileBytes?: number): Promise<{ t: TestApp; work: string }> {
    t = await testApp(dialect, {
      definitions,
      ...(clock !== undefined ? { clock } : {}),
      ...(maxFileBytes !== undefined ? { policy: { maxFileBytes } } : {}),
    });
    check = answerChecker((await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    const work = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'workers', scopes: ['jobs:work'] } })
    ).json().secret as string;
    return { t, work };
  }
  const create = async (t: TestApp, type: string, input: object = {}) =>
    (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input } })).json();
  const job = async (t: TestApp, id: string) => (await t.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();
  // Every answer is one the OpenAPI document declares, with the body it declares.
  const post = (t: TestApp, token: string, url: string, payload: object) => postDeclared(t, check, token, url, payload);
  const claim = async (t: TestApp, token: string, body: object) => {
    const res = await post(t, token, '/v1/worker/claims', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as any[];
  };

  it_('shares 200 jobs between two HTTP workers and an in-process one: each succeeds exactly once', async () => {
    const { t, work } = await setup();
    const created = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs:batch',
        payload: { jobs: Array.from({ length: 200 }, (_, n) => ({ type: 'shared', input: { n } })) },
      })
    ).json();
    const ids: string[] = created.data.map((j: { id: string }) => j.id);
    expect(ids).toHaveLength(200);
    const local = new Worker(t.services, { ...FAST_WORKER, concurrency: 2, workerId: 'in-process' });
    const finished = async () =>
      (await t.services.store.db.selectFrom('jobs').select('id').where('status', '=', 'succeeded').execute()).length;
    const done = { a: [] as string[], b: [] as string[] };
    // Worker a completes one job per call, worker b a whole claim per call.
    const remote = async (name: 'a' | 'b') => {
      while ((await finished()) < 200) {
        const claimed = await claim(t, work, { worker: `http-${name}`, types: ['shared'], limit: 5, wait: 1 });
        if (name === 'a') {
          for (const c of claimed) {
            const res = await post(t, work, `/v1/worker/jobs/${c.id}/complete`, {
              lease: c.lease.token,
              output: { by: 'http-a', n: c.input.n },
            });
            expect(res.json()).toEqual({ id: c.id, outcome: 'succeeded' });
            done.a.push(c.id);
          }
        } else if (claimed.length > 0) {
          const res = await post(t, work, '/v1/worker/completions', {
            data: claimed.map((c) => ({ id: c.id, lease: c.lease.token, output: { by: 'http-b', n: c.input.n } })),
          });
          expect(res.json().data).toEqual(claimed.map((c) => ({ id: c.id, outcome: 'succeeded' })));
          done.b.push(...claimed.map((c) => c.id));
        }
      }
    };
    local.start();
    try {
      await Promise.all([remote('a'), remote('b')]);
    } finally {
      await local.stop(1000);
    }
    const attempts = await everyAttempt(t);
    // One attempt per job, and it succeeded.
    expect(attempts).toHaveLength(200);
    expect(new Set(attempts.map((a) => a.job_id)).size).toBe(200);
    expect(attempts.every((a) => a.outcome === 'succeeded')).toBe(true);
    const byLocal = attempts.filter((a) => a.worker === 'in-process').map((a) => a.job_id);
    expect(byLocal.length).toBeGreaterThan(0);
    expect(done.a.length).toBeGreaterThan(0);
    expect(done.b.length).toBeGreaterThan(0);
    expect(byLocal.length + done.a.length + done.b.length).toBe(200);
    // The attempt history names the remote worker that ran the job.
    const one = await job(t, done.b[0]!);
    expect(one).toMatchObject({ status: 'succeeded', output: { by: 'http-b' } });
    expect(one.attempt_history).toMatchObject([
      { number: 1, outcome: 'succeeded', worker: expect.stringMatching(/^http-b#/) },
    ]);
    const events = (await t.call({ method: 'GET', url: `/v1/jobs/${done.a[0]}/events` }))
      .json()
      .data.map((e: { type: string }) => e.type);
    expect(events).toEqual(expect.arrayContaining(['job.created', 'job.running', 'job.succeeded']));
  });

  it_('runs each job once when both wait: an HTTP worker in a long poll and an idle in-process worker', async () => {
    const { t, work } = await setup();
    const local = new Worker(t.services, { ...FAST_WORKER, concurrency: 2, workerId: 'in-process' });
    const byLocal: string[] = [];
    local.on('completed', (job) => byLocal.push(job.id));
    // Idle: its first claim found nothing, so new jobs of this process may be handed to it.
    const drained = once(local, 'drained');
    local.start();
    await drained;
    const byRemote: string[] = [];
    let stop = false;
    const remote = (async () => {
      while (!stop) {
        for (const c of await claim(t, work, { worker: 'http', types: ['shared'], limit: 1, wait: 1 })) {
          const res = await post(t, work, `/v1/worker/jobs/${c.id}/complete`, {
            lease: c.lease.token,
            output: { by: 'http', n: c.input.n },
          });
          expect(res.json()).toEqual({ id: c.id, outcome: 'succeeded' });
          byRemote.push(c.id);
        }
      }
    })();
    const ids: string[] = [];
    try {
      for (let n = 0; n < 40; n++) ids.push((await create(t, 'shared', { n })).id);
      await until('every job to be run', async () => (byLocal.length + byRemote.length >= 40 ? true : undefined));
    } finally {
      stop = true;
      await remote;
      await local.stop(1000);
    }
    expect(new Set([...byLocal, ...byRemote])).toEqual(new Set(ids));
    expect(byLocal.length + byRemote.length).toBe(40);
    const attempts = await everyAttempt(t);
    expect(attempts).toHaveLength(40);
    expect(attempts.every((a) => a.outcome === 'succeeded')).toBe(true);
    expect(
      attempts
        .filter((a) => a.worker === 'in-process')
        .map((a) => a.job_id)
        .sort(),
    ).toEqual([...byLocal].sort());
    for (const id of ids) expect((await job(t, id)).output.by).toBe(byLocal.includes(id) ? 'in-process' : 'http');
  });

  it_('takes the job from a worker that stopped heartbeating and refuses its late calls with 409', async () => {
    const clock = new TestClock();
    const { t, work } = await setup(clock);
    const { id } = await create(t, 'remote');
    const [first] = await claim(t, work, { worker: 'slow', types: ['remote'], lease_seconds: 5 });
    expect(first).toMatchObject({
      id,
      type: 'remote',
      attempt: 1,
      max_attempts: 3,
      lease: { token: expect.any(String), expires_at: new Date(clock.ms + 5000).toISOString() },
    });
    // The attempt under way is not in attempt_history yet; the job names the worker holding its lease.
    const running = await job(t, id);
    expect(running).toMatchObject({ status: 'running', worker: expect.stringMatching(/^slow#/), attempt_history: [] });
    clock.advance(3000);
    const beat = await post(t, work, `/v1/worker/jobs/${id}/heartbeat`, { lease: first.lease.token, lease_seconds: 5 });
    expect(beat.json()).toEqual({ lease_expires_at: new Date(clock.ms + 5000).toISOString(), cancel_requested: false });
    clock.advance(6000); // no heartbeat for longer than the lease
    const [second] = await claim(t, work, { worker: 'fast', types: ['remote'] });
    expect(second).toMatchObject({ id, attempt: 2 });
    const before = await job(t, id);
    expect(before.worker).toMatch(/^fast#/);
    for (const [path, body] of [
      ['heartbeat', {}],
      ['progress', { percent: 50 }],
      ['complete', { output: { late: true } }],
      ['fail', { error: { message: 'late' } }],
      ['release', {}],
    ] as const) {
      const res = await post(t, work, `/v1/worker/jobs/${id}/${path}`, { lease: first.lease.token, ...body });
      expect(res.statusCode, path).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'lease_lost', job_status: 'running' });
    }
    const batch = await post(t, work, '/v1/worker/completions', {
      data: [{ id, lease: first.lease.token, output: { late: true } }],
    });
    expect(batch.json().data[0]).toMatchObject({ id, problem: { status: 409, code: 'lease_lost' } });
    expect(await job(t, id)).toEqual(before);
    expect(
      (
        await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: second.lease.token, output: { by: 'fast' } })
      ).json(),
    ).toEqual({ id, outcome: 'succeeded' });
    const after = await job(t, id);
    expect(after).toMatchObject({ status: 'succeeded', output: { by: 'fast' }, attempts: 2, worker: null });
    expect(after.attempt_history).toMatchObject([
      { number: 1, outcome: 'lease_expired', worker: expect.stringMatching(/^slow#/) },
      { number: 2, outcome: 'succeeded', worker: before.worker },
    ]);
    expect((await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: first.lease.token })).json()).toMatchObject({
      code: 'lease_lost',
      job_status: 'succeeded',
    });
  });

  it_(
    'tells a remote worker of a cancel through its next heartbeat; its report then ends the job cancelled',
    async () => {
      const { t, work } = await setup();
      const { id } = await create(t, 'remote');
      const [c] = await claim(t, work, { worker: 'w', types: ['remote'] });
      expect(
        (
          await post(t, work, `/v1/worker/jobs/${id}/progress`, {
            lease: c.lease.token,
            percent: 40,
            message: 'halfway there',
          })
        ).statusCode,
      ).toBe(204);
      expect(await job(t, id)).toMatchObject({ progress: 40, progress_message: 'halfway there' });
      expect((await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` })).json().status).toBe('cancelling');
      expect((await post(t, work, `/v1/worker/jobs/${id}/heartbeat`, { lease: c.lease.token })).json()).toMatchObject({
        cancel_requested: true,
      });
      expect(
        (
          await post(t, work, `/v1/worker/jobs/${id}/fail`, { lease: c.lease.token, error: { message: 'stopped' } })
        ).json(),
      ).toEqual({ id, outcome: 'cancelled' });
      expect(await job(t, id)).toMatchObject({ status: 'cancelled' });
    },
  );

  it_('gives a released job back without counting the attempt, and lets dependents run once it succeeds', async () => {
    const { t, work } = await setup();
    const batch = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: {
        jobs: [
          { ref: 'first', type: 'remote' },
          { type: 'remote', depends_on: ['first'] },
        ],
      },
    });
    const [first, second] = batch.json().data.map((j: { id: string }) => j.id);
    const [c] = await claim(t, work, { worker: 'w', types: ['remote'], limit: 10 });
    expect(c.id).toBe(first); // the dependent waits
    expect((await post(t, work, `/v1/worker/jobs/${first}/release`, { lease: c.lease.token })).statusCode).toBe(204);
    expect(await job(t, first)).toMatchObject({ status: 'pending', attempts: 0 });
    const [again] = await claim(t, work, { worker: 'w', types: ['remote'], limit: 10 });
    expect(again).toMatchObject({ id: first, attempt: 1 });
    expect((await post(t, work, `/v1/worker/jobs/${first}/complete`, { lease: again.lease.token })).json()).toEqual({
      id: first,
      outcome: 'succeeded',
    });
    expect((await claim(t, work, { worker: 'w', types: ['remote'], limit: 10 })).map((j) => j.id)).toEqual([second]);
  });

  it_('retries a retryable failure after its backoff, and fails a non-retryable one for good', async () => {
    const clock = new TestClock();
    const { t, work } = await setup(clock);
    const { id } = await create(t, 'remote');
    const [c] = await claim(t, work, { worker: 'w', types: ['remote'] });
    const failed = await post(t, work, `/v1/worker/jobs/${id}/fail`, {
      lease: c.lease.token,
      error: { message: 'upstream down', code: 'upstream' },
    });
    expect(failed.json()).toEqual({ id, outcome: 'retrying' });
    expect(await job(t, id)).toMatchObject({
      status: 'pending',
      error: { message: 'upstream down', code: 'upstream' },
    });
    // Not before the backoff (half of it is fixed, half random).
    expect(await claim(t, work, { worker: 'w', types: ['remote'] })).toEqual([]);
    clock.advance(10_000);
    const [again] = await claim(t, work, { worker: 'w', types: ['remote'] });
    expect(again).toMatchObject({ id, attempt: 2 });
    const final = await post(t, work, `/v1/worker/jobs/${id}/fail`, {
      lease: again.lease.token,
      error: { message: 'bad input' },
      retryable: false,
    });
    expect(final.json()).toEqual({ id, outcome: 'failed' });
    const after = await job(t, id);
    expect(after).toMatchObject({ status: 'failed', attempts: 2, error: { message: 'bad input' } });
    expect(after.attempt_history.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed']);
  });

  it_('refuses with 409 a completion whose lease lapsed while its job waits in the queue again', async () => {
    const clock = new TestClock();
    const { t, work } = await setup(clock);
    const { id } = await create(t, 'remote');
    const [first] = await claim(t, work, { worker: 'slow', types: ['remote'], lease_seconds: 5 });
    clock.advance(60_000); // past the lease, and past the time between two sweeps for lapsed leases
    // A claim of another type finds nothing to take, but sweeps: the job is back in the queue, unclaimed.
    expect(await claim(t, work, { worker: 'other', types: ['bounded'] })).toEqual([]);
    const before = await job(t, id);
    expect(before).toMatchObject({ status: 'pending', worker: null });
    const batch = await post(t, work, '/v1/worker/completions', {
      data: [{ id, lease: first.lease.token, output: { late: true } }],
    });
    expect(batch.json().data[0]).toMatchObject({ id, problem: { status: 409, code: 'lease_lost' } });
    const single = await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: first.lease.token });
    expect(single.statusCode).toBe(409);
    expect(await job(t, id)).toEqual(before);
  });

  it_("fails an attempt past its type's timeout at the worker's next call, and retries the job", async () => {
    const clock = new TestClock();
    const { t, work } = await setup(clock);
    const { id } = await create(t, 'bounded');
    const [c] = await claim(t, work, { worker: 'w', types: ['bounded'], lease_seconds: 60 });
    expect(c.timeout_ms).toBe(5000);
    clock.advance(6000);
    const beat = await post(t, work, `/v1/worker/jobs/${id}/heartbeat`, { lease: c.lease.token });
    expect(beat.statusCode).toBe(409);
    expect(beat.json()).toMatchObject({ code: 'lease_lost', reason: 'timed_out' });
    const after = await job(t, id);
    expect(after).toMatchObject({ status: 'pending', error: { code: 'timeout' } });
    expect(after.attempt_history).toMatchObject([{ number: 1, outcome: 'timed_out' }]);
    expect((await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: c.lease.token })).statusCode).toBe(409);
    clock.advance(10);
    expect((await claim(t, work, { worker: 'w', types: ['bounded'] }))[0]).toMatchObject({ id, attempt: 2 });
  });

  it_(
    "stores a remote worker's output files under its lease; a lost lease or too large a file leaves none",
    async () => {
      const clock = new TestClock();
      const { t, work } = await setup(clock, 1000);
      const { id } = await create(t, 'remote');
      const [c] = await claim(t, work, { worker: 'w', types: ['remote'], lease_seconds: 5 });
      const put = (lease: string, name: string, payload: string) =>
        t.call({
          method: 'PUT',
          url: `/v1/worker/jobs/${id}/files/${name}`,
          payload,
          token: work,
          headers: { 'content-type': 'text/csv', 'jobline-lease': lease },
        });
      const stored = await put(c.lease.token, 'report.csv', 'a,b\n1,2\n');
      expect(stored.statusCode, stored.body).toBe(201);
      expect(stored.json()).toMatchObject({
        job_id: id,
        role: 'output',
        name: 'report.csv',
        content_type: 'text/csv',
        size: 8,
      });
      const download = await t.call({ method: 'GET', url: stored.json().download_url, token: null });
      expect(download.body).toBe('a,b\n1,2\n');
      const tooLarge = await put(c.lease.token, 'big.bin', 'x'.repeat(1001));
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json().code).toBe('payload_too_large');
      const missing = await t.call({
        method: 'PUT',
        url: `/v1/worker/jobs/${id}/files/x.txt`,
        payload: 'x',
        token: work,
        headers: { 'content-type': 'text/plain' },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors[0].pointer).toContain('jobline-lease');
      clock.advance(6000);
      const [again] = await claim(t, work, { worker: 'v', types: ['remote'] });
      expect(again.id).toBe(id);
      const stale = await put(c.lease.token, 'report.csv', 'stale');
      expect(stale.statusCode).toBe(409);
      expect(stale.json().code).toBe('lease_lost');
      const files = (await job(t, id)).files;
      expect(files.map((f: { name: string; size: number }) => [f.name, f.size])).toEqual([['report.csv', 8]]);
    },
  );

  it_('records no file whose lease was lost while its bytes were being sent', async () => {
    const clock = new TestClock();
    const { t, work } = await setup(clock);
    const { id } = await create(t, 'remote');
    const [c] = await claim(t, work, { worker: 'w', types: ['remote'], lease_seconds: 5 });
    const body = new PassThrough();
    const upload = t.call({
      method: 'PUT',
      url: `/v1/worker/jobs/${id}/files/late.txt`,
      payload: body,
      token: work,
      headers: { 'content-type': 'text/plain', 'jobline-lease': c.lease.token },
    });
    body.write('first half ');
    await new Promise((r) => setTimeout(r, 200)); // the lease was checked; the bytes are on their way
    clock.advance(6000);
    expect((await claim(t, work, { worker: 'v', types: ['remote'] }))[0].id).toBe(id);
    body.end('second half');
    const res = await upload;
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('lease_lost');
    expect((await job(t, id)).files).toEqual([]);
  });

  it_(
    'wakes a waiting claim when a job of its types is created, and answers an empty list when the wait is over',
    async () => {
      const { t, work } = await setup();
      expect(await claim(t, work, { worker: 'w', types: ['remote'], wait: 1 })).toEqual([]);
      const waiting = claim(t, work, { worker: 'w', types: ['remote'], wait: 20 });
      await new Promise((r) => setTimeout(r, 100));
      const { id } = await create(t, 'remote');
      expect((await waiting).map((c) => c.id)).toEqual([id]);
    },
  );

  it_('answers bad worker calls with a clear 4xx and changes nothing', async () => {
    const { t, work } = await setup();
    const limited = (
      await t.call({
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'renderers', scopes: ['jobs:work'], job_types: ['remote'] },
      })
    ).json().secret;
    const reader = await t.token(['jobs:read']);
    const elsewhere = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'x', scopes: ['jobs:work'] } })
    ).json().secret;
    const otherWorkspace = await t.token(['jobs:work', 'jobs:write'], 'globex');
    void elsewhere;
    const { id } = await create(t, 'remote');
    const { id: otherId } = await create(t, 'other');
    const before = [await job(t, id), await job(t, otherId)];

    const problem = async (
      res: { statusCode: number; headers: Record<string, unknown>; json(): any },
      status: number,
      code: string,
    ) => {
      expect(res.statusCode).toBe(status);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status, code, detail: expect.any(String) });
    };
    // Claims: types outside the token's, malformed or missing types, too many jobs, too long a wait.
    await problem(
      await post(t, limited, '/v1/worker/claims', { worker: 'w', types: ['remote', 'other'] }),
      403,
      'forbidden',
    );
    await problem(
      await post(t, work, '/v1/worker/claims', { worker: 'w', types: ['Not A Type'] }),
      422,
      'validation_failed',
    );
    await problem(await post(t, work, '/v1/worker/claims', { worker: 'w', types: [] }), 422, 'validation_failed');
    await problem(
      await post(t, work, '/v1/worker/claims', { worker: 'w', types: ['remote'], limit: 101 }),
      422,
      'validation_failed',
    );
    await problem(
      await post(t, work, '/v1/worker/claims', { worker: 'w', types: ['remote'], wait: 31 }),
      422,
      'validation_failed',
    );
    await problem(await post(t, work, '/v1/worker/claims', { types: ['remote'] }), 422, 'validation_failed');
    await problem(await post(t, reader, '/v1/worker/claims', { worker: 'w', types: ['remote'] }), 403, 'forbidden');
    // Another workspace's worker sees none of these jobs.
    expect(await claim(t, otherWorkspace, { worker: 'w', types: ['remote', 'other'] })).toEqual([]);
    expect([await job(t, id), await job(t, otherId)]).toEqual(before);

    // Calls about jobs never claimed, with a made-up or malformed lease token.
    const [c] = await claim(t, work, { worker: 'w', types: ['remote'] });
    const running = await job(t, id);
    const forged = `${Buffer.from('w').toString('base64url')}.${'A'.repeat(43)}`;
    await problem(
      await post(t, work, `/v1/worker/jobs/${otherId}/complete`, { lease: c.lease.token }),
      409,
      'lease_lost',
    );
    await problem(
      await post(t, work, `/v1/worker/jobs/${otherId}/heartbeat`, { lease: c.lease.token }),
      409,
      'lease_lost',
    );
    await problem(await post(t, work, `/v1/worker/jobs/${id}/heartbeat`, { lease: forged }), 409, 'lease_lost');
    await problem(
      await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: forged, output: 1 }),
      409,
      'lease_lost',
    );
    await problem(await post(t, work, `/v1/worker/jobs/${id}/complete`, { lease: 'not a lease' }), 400, 'bad_request');
    await problem(
      await post(t, work, `/v1/worker/jobs/${id}/fail`, { lease: c.lease.token, error: {} }),
      422,
      'validation_failed',
    );
    await problem(
      await post(t, work, `/v1/worker/jobs/${id}/progress`, { lease: c.lease.token, percent: 101 }),
      422,
      'validation_failed',
    );
    await problem(
      await post(t, work, '/v1/worker/jobs/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182/complete', { lease: c.lease.token }),
      404,
      'not_found',
    );
    // A token limited to other types, or of another workspace, does not see the job at all.
    await problem(
      await post(t, otherWorkspace, `/v1/worker/jobs/${id}/heartbeat`, { lease: c.lease.token }),
      404,
      'not_found',
    );
    await problem(
      await post(t, otherWorkspace, `/v1/worker/jobs/${id}/complete`, { lease: c.lease.token }),
      404,
      'not_found',
    );
    const { id: limitedId } = await create(t, 'other');
    await problem(
      await post(t, limited, `/v1/worker/jobs/${limitedId}/heartbeat`, { lease: c.lease.token }),
      404,
      'not_found',
    );
    // A batch: the job listed twice is refused whole; a bad item leaves the good one to complete.
    await problem(
      await post(t, work, '/v1/worker/completions', {
        data: [
          { id, lease: c.lease.token },
          { id, lease: c.lease.token },
        ],
      }),
      400,
      'bad_request',
    );
    expect(await job(t, id)).toEqual(running);
    expect([await job(t, otherId)]).toEqual([before[1]]);
    const mixed = await post(t, work, '/v1/worker/completions', {
      data: [
        { id: otherId, lease: c.lease.token },
        { id, lease: c.lease.token, output: 'ok' },
      ],
    });
    expect(mixed.json().data).toMatchObject([
      { id: otherId, problem: { status: 409, code: 'lease_lost' } },
      { id, outcome: 'succeeded' },
    ]);
    expect(await job(t, otherId)).toEqual(before[1]);
    expect(await job(t, id)).toMatchObject({ status: 'succeeded', output: 'ok' });
  });
});
