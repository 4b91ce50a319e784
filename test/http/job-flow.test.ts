import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { answerChecker, type Json } from '../support/openapi.js';

// Flow control through the API: /v1/job-types/{type}/flow, pause and resume, and the keys of POST /v1/jobs.

const declared = defineJob({ type: 'declared', flow: { concurrency: 5, keyConcurrency: 2 }, run: () => null });

describe.each(DIALECTS)('job type flow control over HTTP on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function setup() {
    t = await testApp(dialect, { definitions: [declared] });
    const doc = answerChecker((await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    const check = (method: string, path: string, res: { statusCode: number; headers: object; body: string }) =>
      doc(method, path, {
        status: res.statusCode,
        contentType: (res.headers as Record<string, string>)['content-type']!,
        body: res.body,
      });
    return { t, check };
  }

  it_("shows the code's flow, replaces it for the workspace, and pauses and resumes a type", async () => {
    const { t, check } = await setup();
    const code = await t.call({ method: 'GET', url: '/v1/job-types/declared/flow' });
    expect(code.statusCode, code.body).toBe(200);
    expect(check('GET', '/v1/job-types/{type}/flow', code)).toBeUndefined();
    expect(code.json()).toMatchObject({ source: 'code', concurrency: 5, key_concurrency: 2, paused: false });

    const put = await t.call({
      method: 'PUT',
      url: '/v1/job-types/declared/flow',
      payload: { concurrency: 10, rate_limit: { limit: 100, interval_ms: 60_000, per_key: true } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(check('PUT', '/v1/job-types/{type}/flow', put)).toBeUndefined();
    expect(put.json()).toMatchObject({
      source: 'api',
      concurrency: 10,
      key_concurrency: null,
      rate_limit: { limit: 100, interval_ms: 60_000, per_key: true },
    });

    const paused = await t.call({ method: 'POST', url: '/v1/job-types/declared/pause' });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(check('POST', '/v1/job-types/{type}/pause', paused)).toBeUndefined();
    expect(paused.json()).toMatchObject({ paused: true, concurrency: 10 });
    const list = await t.call({ method: 'GET', url: '/v1/job-types' });
    expect(check('GET', '/v1/job-types', list)).toBeUndefined();
    const listed = list.json<{ data: { type: string; flow: { paused: boolean } }[] }>().data;
    expect(listed.find((j) => j.type === 'declared')?.flow.paused).toBe(true);

    // A type no code defines and no schema names can be paused too; it is listed from then on.
    const other = await t.call({ method: 'POST', url: '/v1/job-types/remote-only/pause' });
    expect(other.json()).toMatchObject({ type: 'remote-only', source: 'api', paused: true, concurrency: null });
    expect((await t.call({ method: 'GET', url: '/v1/job-types/remote-only' })).statusCode).toBe(200);

    const resumed = await t.call({ method: 'POST', url: '/v1/job-types/declared/resume' });
    expect(resumed.json()).toMatchObject({ paused: false, concurrency: 10 });
    const removed = await t.call({ method: 'DELETE', url: '/v1/job-types/declared/flow' });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ source: 'code', concurrency: 5 });
  });

  it_('takes the flow of a type declared without code with its input schema', async () => {
    const { t, check } = await setup();
    const schema = { type: 'object' };
    const bad = await t.call({
      method: 'PUT',
      url: '/v1/job-types/resize-image',
      payload: { input_schema: schema, flow: { concurrency: 2, key_concurrency: 5 } },
    });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer)).toEqual([
      '#/flow/key_concurrency',
    ]);
    expect((await t.call({ method: 'GET', url: '/v1/job-types/resize-image' })).statusCode).toBe(404);
    const put = await t.call({
      method: 'PUT',
      url: '/v1/job-types/resize-image',
      payload: { input_schema: schema, flow: { concurrency: 2, rate_limit: { limit: 5, interval_ms: 1000 } } },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(check('PUT', '/v1/job-types/{type}', put)).toBeUndefined();
    expect(put.json()).toMatchObject({
      type: 'resize-image',
      source: 'api',
      flow: { source: 'api', concurrency: 2, rate_limit: { limit: 5, interval_ms: 1000, per_key: false } },
    });
  });

  it_("hands a paused type's new job to no waiting remote claim, and gives it once resumed", async () => {
    const { t } = await setup();
    const work = await t.token(['jobs:work']);
    await t.call({ method: 'POST', url: '/v1/job-types/render/pause' });
    const claim = () =>
      t.call({
        method: 'POST',
        url: '/v1/worker/claims',
        token: work,
        payload: { worker: 'py', types: ['render'], wait: 1 },
      });
    const waiting = claim();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the claim waits, attached to the handoff
    const created = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'render' } });
    expect(created.json()).toMatchObject({ status: 'pending' });
    expect((await waiting).json()).toEqual({ data: [] });
    await t.call({ method: 'POST', url: '/v1/job-types/render/resume' });
    const after = (await claim()).json<{ data: { id: string }[] }>();
    expect(after.data.map((j) => j.id)).toEqual([created.json<{ id: string }>().id]);
  });

  it_('answers 422 naming each bad limit', async () => {
    const { t, check } = await setup();
    const cases: [object, string][] = [
      [{ concurrency: 0 }, '#/concurrency'],
      [{ concurrency: 2.5 }, '#/concurrency'],
      [{ rate_limit: { limit: 10 } }, '#/rate_limit/interval_ms'],
      [{ rate_limit: { limit: 10, interval_ms: -1 } }, '#/rate_limit/interval_ms'],
      [{ concurrency: 2, key_concurrency: 3 }, '#/key_concurrency'],
      [{ concurrency: 2, burst: 3 }, '#/burst'],
    ];
    for (const [payload, pointer] of cases) {
      const res = await t.call({ method: 'PUT', url: '/v1/job-types/declared/flow', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(check('PUT', '/v1/job-types/{type}/flow', res)).toBeUndefined();
      const pointers = res.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer);
      expect(pointers, JSON.stringify(payload)).toContain(pointer);
    }
  });

  it_('returns the pending job for a second create with its deduplication key, with 200', async () => {
    const { t, check } = await setup();
    const body = { type: 'report', input: { n: 1 }, deduplication_key: 'monthly', concurrency_key: 'customer-7' };
    const first = await t.call({ method: 'POST', url: '/v1/jobs', payload: body });
    expect(first.statusCode, first.body).toBe(201);
    expect(check('POST', '/v1/jobs', first)).toBeUndefined();
    expect(first.json()).toMatchObject({ concurrency_key: 'customer-7', deduplication_key: 'monthly' });
    const second = await t.call({ method: 'POST', url: '/v1/jobs', payload: { ...body, input: { n: 2 } } });
    expect(second.statusCode, second.body).toBe(200);
    expect(check('POST', '/v1/jobs', second)).toBeUndefined();
    expect(second.json()).toMatchObject({ id: first.json<{ id: string }>().id, input: { n: 1 } });
    const read = await t.call({ method: 'GET', url: `/v1/jobs/${first.json<{ id: string }>().id}` });
    expect(read.json()).toMatchObject({ concurrency_key: 'customer-7', deduplication_key: 'monthly' });
  });

  it_("names a batch's own index in the problems of items with keys", async () => {
    const { t } = await setup();
    const existing = { type: 'report', deduplication_key: 'monthly' };
    expect((await t.call({ method: 'POST', url: '/v1/jobs', payload: existing })).statusCode).toBe(201);
    const missing = '0190a000-0000-7000-8000-000000000000';
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: {
        jobs: [existing, { type: 'report', concurrency_key: 'a' }, { type: 'report', project_id: missing }],
      },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer)).toEqual(['#/jobs/2/project_id']);
  });
});
