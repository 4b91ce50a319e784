import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { Type } from '@sinclair/typebox';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { answerChecker, type Json } from '../support/openapi.js';

// Job types declared without code: an input schema stored through the API validates POST /v1/jobs.

const resizeSchema = {
  type: 'object',
  properties: { url: { type: 'string', format: 'uri' }, width: { type: 'integer', minimum: 1 } },
  required: ['url', 'width'],
  additionalProperties: false,
};

const coded = defineJob({
  type: 'coded',
  input: Type.Object({ n: Type.Integer() }),
  run: () => null,
});

describe.each(DIALECTS)('job types without code on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function setup(): Promise<{ t: TestApp; check: ReturnType<typeof answerChecker> }> {
    t = await testApp(dialect, { definitions: [coded] });
    const check = answerChecker((await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    return { t, check };
  }
  const put = (t: TestApp, type: string, payload: unknown, token?: string) =>
    t.call({ method: 'PUT', url: `/v1/job-types/${type}`, payload: payload as object, ...(token ? { token } : {}) });
  const create = (t: TestApp, type: string, input: object) =>
    t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input } });

  it_('validates new jobs against a stored schema, with JSON pointers, until it is deleted', async () => {
    const { t, check } = await setup();
    const created = await put(t, 'resize-image', { input_schema: resizeSchema });
    expect(created.statusCode, created.body).toBe(201);
    expect(
      check('PUT', '/v1/job-types/{type}', {
        status: 201,
        contentType: created.headers['content-type'] as string,
        body: created.body,
      }),
    ).toBeUndefined();
    expect(created.json()).toMatchObject({
      type: 'resize-image',
      source: 'api',
      version: 1,
      input_schema: resizeSchema,
    });

    const bad = await create(t, 'resize-image', { url: 'not a uri', height: 3 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual(
      expect.arrayContaining([
        { pointer: '#/input/url', detail: expect.stringContaining('uri') },
        { pointer: '#/input/width', detail: expect.any(String) },
        { pointer: '#/input/height', detail: 'is not a known field' },
      ]),
    );
    expect((await t.call({ method: 'GET', url: '/v1/jobs' })).json().data).toHaveLength(0);
    expect((await create(t, 'resize-image', { url: 'https://example.com/a.png', width: 640 })).statusCode).toBe(201);

    // A batch names the job of each problem.
    const batch = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: {
        jobs: [
          { type: 'resize-image', input: { url: 'https://x.example/', width: 1 } },
          { type: 'resize-image', input: { url: 'https://x.example/', width: 0 } },
        ],
      },
    });
    expect(batch.statusCode).toBe(422);
    expect(batch.json().errors).toEqual([{ pointer: '#/jobs/1/input/width', detail: 'must be >= 1' }]);

    // The same schema again changes nothing; another one is the next version, used at once.
    const same = await put(t, 'resize-image', { input_schema: resizeSchema });
    expect([same.statusCode, same.json().version]).toEqual([200, 1]);
    const looser = await put(t, 'resize-image', { input_schema: { type: 'object', required: ['url'] } });
    expect([looser.statusCode, looser.json().version]).toEqual([200, 2]);
    expect((await create(t, 'resize-image', { url: 'x', height: 3 })).statusCode).toBe(201);
    expect((await create(t, 'resize-image', { width: 3 })).json().errors).toEqual([
      { pointer: '#/input/url', detail: "must have required property 'url'" },
    ]);

    const one = await t.call({ method: 'GET', url: '/v1/job-types/resize-image' });
    expect(one.json()).toMatchObject({ type: 'resize-image', source: 'api', version: 2 });
    const list = (await t.call({ method: 'GET', url: '/v1/job-types' })).json().data as {
      type: string;
      source: string;
    }[];
    expect(list.filter((x) => ['coded', 'resize-image'].includes(x.type))).toEqual([
      expect.objectContaining({ type: 'coded', source: 'code', version: null }),
      expect.objectContaining({ type: 'resize-image', source: 'api', version: 2 }),
    ]);

    expect((await t.call({ method: 'DELETE', url: '/v1/job-types/resize-image' })).statusCode).toBe(204);
    expect((await create(t, 'resize-image', { anything: true })).statusCode).toBe(201);
    const again = await t.call({ method: 'DELETE', url: '/v1/job-types/resize-image' });
    expect(again.statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: '/v1/job-types/resize-image' })).statusCode).toBe(404);
    // Created again after the delete: version 1 again, and the new schema is the one used.
    const back = await put(t, 'resize-image', { input_schema: { type: 'object', required: ['w'] } });
    expect([back.statusCode, back.json().version]).toEqual([201, 1]);
    expect((await create(t, 'resize-image', { url: 'x' })).json().errors).toEqual([
      { pointer: '#/input/w', detail: "must have required property 'w'" },
    ]);
  });

  it_('refuses a schema it cannot use with 422 naming the problem', async () => {
    const { t, check } = await setup();
    const cases: [unknown, string, RegExp][] = [
      [
        { input_schema: { type: 'objekt' } },
        '#/input_schema/type',
        /must be equal to one of the allowed values|must match/,
      ],
      [{ input_schema: { type: 'object', requried: ['a'] } }, '#/input_schema', /unknown keyword: "requried"/],
      [{ input_schema: ['a'] }, '#/input_schema', /must be a JSON Schema object/],
      [{ input_schema: { $ref: '#/definitions/missing' } }, '#/input_schema', /can't resolve reference/],
      [{ input_schema: { type: 'string', format: 'colour' } }, '#/input_schema', /unknown format "colour"/],
      [{ input_schema: { description: 'x'.repeat(70_000) } }, '#/input_schema', /at most 65536/],
      [{}, '#/input_schema', /is required/],
    ];
    for (const [payload, pointer, detail] of cases) {
      const res = await put(t, 'broken', payload);
      expect(res.statusCode, res.body).toBe(422);
      expect(
        check('PUT', '/v1/job-types/{type}', {
          status: 422,
          contentType: res.headers['content-type'] as string,
          body: res.body,
        }),
      ).toBeUndefined();
      expect(res.json().errors[0]).toEqual({ pointer, detail: expect.stringMatching(detail) });
    }
    expect((await put(t, 'Bad Type', { input_schema: {} })).statusCode).toBe(400);
    expect((await put(t, 'broken', { input_schema: {}, extra: 1 })).statusCode).toBe(422);
    expect((await t.call({ method: 'GET', url: '/v1/job-types/broken' })).statusCode).toBe(404);
  });

  it_("keeps the code's schema for a type defined by code", async () => {
    const { t } = await setup();
    const res = await put(t, 'coded', { input_schema: { type: 'object' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/defined by code/);
    const one = (await t.call({ method: 'GET', url: '/v1/job-types/coded' })).json();
    expect(one).toMatchObject({ type: 'coded', source: 'code', version: null, input_schema: { required: ['n'] } });
    expect((await create(t, 'coded', { n: 'x' })).json().errors).toEqual([
      { pointer: '#/input/n', detail: 'must be integer' },
    ]);
  });

  it_('stores types per workspace, written by admins only', async () => {
    const { t } = await setup();
    const writer = await t.token(['jobs:write', 'jobs:read']);
    const refused = await put(t, 'resize-image', { input_schema: resizeSchema }, writer);
    expect(refused.statusCode).toBe(403);
    expect((await put(t, 'resize-image', { input_schema: resizeSchema })).statusCode).toBe(201);
    expect((await t.call({ method: 'GET', url: '/v1/job-types/resize-image', token: writer })).statusCode).toBe(200);
    expect((await t.call({ method: 'DELETE', url: '/v1/job-types/resize-image', token: writer })).statusCode).toBe(403);
    const worker = await t.token(['jobs:work']);
    expect((await t.call({ method: 'GET', url: '/v1/job-types', token: worker })).statusCode).toBe(403);

    const other = await t.token(['admin'], 'globex');
    expect((await t.call({ method: 'GET', url: '/v1/job-types/resize-image', token: other })).statusCode).toBe(404);
    const elsewhere = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      token: other,
      payload: { type: 'resize-image', input: { x: 1 } },
    });
    expect(elsewhere.statusCode).toBe(201);
  });
});
