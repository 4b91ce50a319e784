import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { DIALECTS, skipUnlessAvailable, TestClock } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { answerChecker, type Json } from '../support/openapi.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// POST /v1/worker/heartbeats: a worker running several jobs extends all their leases in one call, and
// each job answers on its own: extended, cancelled, or fenced off (409) without touching its lease.

describe.each(DIALECTS)('batch heartbeats on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it_('extends, reports cancels and refuses lost leases per job', async () => {
    const clock = new TestClock();
    t = await testApp(dialect, { clock, definitions: [defineJob({ type: 'remote', run: () => null })] });
    const app = t;
    const check = answerChecker((await app.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    const work = await app.token(['jobs:work']);
    const post = async (url: string, payload: object, token = work) => {
      const res = await app.call({ method: 'POST', url, payload, token });
      const answer = { status: res.statusCode, contentType: res.headers['content-type'] as string, body: res.body };
      expect(check('POST', url, answer), `${url} ${res.statusCode}`).toBeUndefined();
      return res;
    };
    const createJobs = (n: number) =>
      app.call({
        method: 'POST',
        url: '/v1/jobs:batch',
        payload: { jobs: Array.from({ length: n }, () => ({ type: 'remote' })) },
      });
    const claim = async (worker: string, limit: number, lease_seconds = 10) =>
      (await post('/v1/worker/claims', { worker, types: ['remote'], limit, lease_seconds })).json().data as any[];
    const leaseOf = async (id: string) =>
      await app.services.store.db
        .selectFrom('jobs')
        .select(['lease_expires_at', 'lease_owner'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    // Worker a's first claim runs out; worker b takes that job again. Worker a then claims three more.
    await createJobs(1);
    const [stale] = await claim('a', 1, 5);
    clock.advance(6000);
    const [retaken] = await claim('b', 1);
    expect(retaken.id).toBe(stale.id);
    await createJobs(3);
    const fresh = await claim('a', 3);
    expect(fresh).toHaveLength(3);
    expect((await app.call({ method: 'POST', url: `/v1/jobs/${fresh[1].id}/cancel` })).json().status).toBe(
      'cancelling',
    );
    const retakenLease = await leaseOf(retaken.id);

    clock.advance(1000);
    const malformed = randomUUID();
    const res = await post('/v1/worker/heartbeats', {
      lease_seconds: 30,
      data: [
        ...fresh.map((c) => ({ id: c.id, lease: c.lease.token })),
        { id: stale.id, lease: stale.lease.token },
        { id: randomUUID(), lease: fresh[0].lease.token },
        { id: malformed, lease: 'not-a-lease' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const expires = new Date(clock.now() + 30_000).toISOString();
    expect(res.json().data).toMatchObject([
      { id: fresh[0].id, lease_expires_at: expires, cancel_requested: false },
      { id: fresh[1].id, lease_expires_at: expires, cancel_requested: true },
      { id: fresh[2].id, lease_expires_at: expires, cancel_requested: false },
      { id: stale.id, problem: { status: 409, code: 'lease_lost', job_status: 'running' } },
      { problem: { status: 404, code: 'not_found' } },
      { id: malformed, problem: { status: 400, code: 'bad_request' } },
    ]);
    for (const c of fresh) expect((await leaseOf(c.id)).lease_expires_at).toBe(clock.now() + 30_000);
    // The lost lease changed nothing: the job is b's, with b's expiry.
    expect(await leaseOf(retaken.id)).toEqual(retakenLease);
  });

  it_('refuses a bad batch whole', async () => {
    t = await testApp(dialect, { definitions: [defineJob({ type: 'remote', run: () => null })] });
    const work = await t.token(['jobs:work']);
    const id = randomUUID();
    const twice = await t.call({
      method: 'POST',
      url: '/v1/worker/heartbeats',
      token: work,
      payload: {
        data: [
          { id, lease: 'a.b' },
          { id, lease: 'a.b' },
        ],
      },
    });
    expect([twice.statusCode, twice.json().errors]).toEqual([
      400,
      [{ pointer: '#/data/1/id', detail: 'is listed twice' }],
    ]);
    const many = Array.from({ length: 101 }, () => ({ id: randomUUID(), lease: 'a.b' }));
    const tooMany = await t.call({
      method: 'POST',
      url: '/v1/worker/heartbeats',
      token: work,
      payload: { data: many },
    });
    expect(tooMany.statusCode).toBe(422);
    expect(
      (await t.call({ method: 'POST', url: '/v1/worker/heartbeats', token: work, payload: { data: [] } })).statusCode,
    ).toBe(422);
    // Not a worker's call for any other token.
    const writer = await t.token(['jobs:write']);
    const refused = await t.call({
      method: 'POST',
      url: '/v1/worker/heartbeats',
      token: writer,
      payload: { data: [{ id, lease: 'a.b' }] },
    });
    expect(refused.statusCode).toBe(403);
  });
});
