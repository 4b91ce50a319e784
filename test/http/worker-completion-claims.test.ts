import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { answerChecker, postDeclared, type Json } from '../support/openapi.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// A completion call that also claims the next jobs (POST /v1/worker/completions with `claim`).

const definitions = [defineJob({ type: 'remote', run: () => null }), defineJob({ type: 'other', run: () => null })];

describe.each(DIALECTS)('completions that claim the next jobs on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  let check: ReturnType<typeof answerChecker>;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function setup(): Promise<{ t: TestApp; work: string }> {
    t = await testApp(dialect, { definitions });
    check = answerChecker((await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    return { t, work: await workToken(t) };
  }
  const workToken = async (t: TestApp, jobTypes?: string[]) =>
    (
      await t.call({
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'workers', scopes: ['jobs:work'], ...(jobTypes !== undefined ? { job_types: jobTypes } : {}) },
      })
    ).json().secret as string;
  const createMany = async (t: TestApp, type: string, n: number): Promise<string[]> =>
    (
      await t.call({
        method: 'POST',
        url: '/v1/jobs:batch',
        payload: { jobs: Array.from({ length: n }, (_, i) => ({ type, input: { i } })) },
      })
    )
      .json()
      .data.map((j: { id: string }) => j.id);
  const job = async (t: TestApp, id: string) => (await t.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();
  // Every answer is one the OpenAPI document declares, with the body it declares.
  const post = (t: TestApp, token: string, url: string, payload: object) => postDeclared(t, check, token, url, payload);
  const claim = async (t: TestApp, token: string, body: object) => {
    const res = await post(t, token, '/v1/worker/claims', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as any[];
  };
  const complete = async (t: TestApp, token: string, held: any[], next?: object) => {
    const res = await post(t, token, '/v1/worker/completions', {
      data: held.map((c) => ({ id: c.id, lease: c.lease.token, output: { done: c.id } })),
      ...(next !== undefined ? { claim: next } : {}),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ data: any[]; claimed?: any[] }>();
  };

  it_('answers the completions and the next jobs, each leased; every job succeeds exactly once', async () => {
    const { t, work } = await setup();
    const ids = await createMany(t, 'remote', 7);
    let held = await claim(t, work, { worker: 'w', types: ['remote'], limit: 3 });
    expect(held).toHaveLength(3);
    const seen = held.map((c) => c.id);
    for (;;) {
      const answer = await complete(t, work, held, { worker: 'w', types: ['remote'], limit: 3, lease_seconds: 30 });
      expect(answer.data).toEqual(held.map((c) => ({ id: c.id, outcome: 'succeeded' })));
      held = answer.claimed!;
      if (held.length === 0) break;
      for (const c of held) {
        expect(c).toMatchObject({ type: 'remote', attempt: 1, max_attempts: expect.any(Number) });
        expect(Date.parse(c.lease.expires_at) - Date.now()).toBeGreaterThan(20_000);
        expect((await job(t, c.id)).status).toBe('running');
      }
      // Each new lease holds its job: a heartbeat under it is answered.
      const beat = await post(t, work, '/v1/worker/heartbeats', {
        data: held.map((c) => ({ id: c.id, lease: c.lease.token })),
      });
      expect(beat.json().data.every((r: any) => r.problem === undefined)).toBe(true);
      seen.push(...held.map((c) => c.id));
    }
    expect(seen.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const j = await job(t, id);
      expect(j).toMatchObject({ status: 'succeeded', attempts: 1, output: { done: id } });
    }
  });

  it_('refuses a completion under a stale lease with 409, changing nothing, and still claims', async () => {
    const { t, work } = await setup();
    const [first] = await createMany(t, 'remote', 1);
    const [old] = await claim(t, work, { worker: 'w', types: ['remote'] });
    expect((await post(t, work, `/v1/worker/jobs/${first}/release`, { lease: old.lease.token })).statusCode).toBe(204);
    const [current] = await claim(t, work, { worker: 'w', types: ['remote'] });
    expect(current.id).toBe(first);
    const [second] = await createMany(t, 'remote', 1);
    const before = await job(t, first!);

    const answer = await complete(t, work, [old], { worker: 'w', types: ['remote'], limit: 5 });
    expect(answer.data).toMatchObject([{ id: first, problem: { status: 409, code: 'lease_lost' } }]);
    expect(await job(t, first!)).toEqual(before);
    expect(answer.claimed!.map((c) => c.id)).toEqual([second]);
    // The current lease still completes the job, once.
    expect((await complete(t, work, [current])).data).toEqual([{ id: first, outcome: 'succeeded' }]);
    expect(await job(t, first!)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it_('answers a bad claim with a 4xx problem, completing and claiming nothing', async () => {
    const { t } = await setup();
    const limited = await workToken(t, ['remote']);
    await createMany(t, 'remote', 2);
    const [pendingOther] = await createMany(t, 'other', 1);
    const [held] = await claim(t, limited, { worker: 'w', types: ['remote'] });
    const before = [await job(t, held.id), await job(t, pendingOther!)];
    const body = (next: object) => ({ data: [{ id: held.id, lease: held.lease.token }], claim: next });
    const bad: [string, object, number, string][] = [
      [limited, { worker: 'w', types: ['remote', 'other'], limit: 1 }, 403, 'forbidden'],
      [limited, { worker: 'w', types: ['remote'], limit: 0 }, 422, 'validation_failed'],
      [limited, { worker: 'w', types: ['remote'], limit: 101 }, 422, 'validation_failed'],
      [limited, { worker: 'w', types: ['remote'] }, 422, 'validation_failed'],
      [limited, { worker: 'w', types: [], limit: 1 }, 422, 'validation_failed'],
      [limited, { worker: 'w', types: ['Not A Type'], limit: 1 }, 422, 'validation_failed'],
      [limited, { types: ['remote'], limit: 1 }, 422, 'validation_failed'],
      [limited, { worker: 'w', types: ['remote'], limit: 1, wait: 5 }, 422, 'validation_failed'],
    ];
    for (const [token, next, status, code] of bad) {
      const res = await post(t, token, '/v1/worker/completions', body(next));
      expect(res.statusCode, JSON.stringify(next)).toBe(status);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status, code, detail: expect.any(String) });
    }
    expect([await job(t, held.id), await job(t, pendingOther!)]).toEqual(before);
    const pending = (await t.call({ method: 'GET', url: '/v1/jobs?status=pending&type=remote' })).json().data;
    expect(pending).toHaveLength(1);
  });
});
