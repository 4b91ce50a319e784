import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// PostgreSQL cannot store NUL (U+0000) in text or jsonb; SQLite can. Wherever such a string enters
// a request, both databases must answer the same 400 in the API's own error shape, and write nothing.

function expectProblem(res: LightMyRequestResponse, pointer: string): void {
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({
    status: 400,
    code: 'unstorable_value',
    errors: [{ pointer, detail: expect.stringContaining('NUL') }],
  });
}

describe.each(DIALECTS)('text no database can store, on %s', (dialect) => {
  let t: TestApp;
  let project: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    project = (
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: { name: 'Target', workflow_steps: ['translation'] },
      })
    ).json().id;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const counts = async () => ({
    jobs: (await t.call({ method: 'GET', url: '/v1/jobs?page_size=100' })).json().data.length,
    projects: (await t.call({ method: 'GET', url: '/v1/projects?page_size=100' })).json().data.length,
  });

  it_('refuses NUL in a query string of the native API with 400 problem details', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/jobs?q=%00' }), '#/query/q');
    expectProblem(await t.call({ method: 'GET', url: '/v1/jobs?q=a%00b&status=pending' }), '#/query/q');
    expectProblem(await t.call({ method: 'GET', url: '/v1/events?type=%00' }), '#/query/type');
    expectProblem(await t.call({ method: 'GET', url: `/v1/projects/${project}/jobs?q=%00` }), '#/query/q');
  });

  it_('refuses a nested NUL in a JSON body with a pointer to it, and creates nothing', async () => {
    const before = await counts();
    const job = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: '{"type":"report","input":{"a":[{"b":"x\\u0000y"}]}}',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(job, '#/input/a/0/b');
    expectProblem(
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: '{"name":"\\u0000"}',
        headers: { 'content-type': 'application/json' },
      }),
      '#/name',
    );
    expect(await counts()).toEqual(before);
  });

  it_('refuses NUL in the Elastic Path token form, unauthenticated, in its JSON:API error shape', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/compat/elasticpath/oauth/access_token',
      token: null,
      payload: 'grant_type=implicit&client_id=%00',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({
      errors: [{ status: '400', title: 'Bad Request', detail: expect.stringContaining('#/client_id') }],
    });
  });

  it_('refuses NUL in Phrase job settings and file names in its own error shape, and creates nothing', async () => {
    const before = await counts();
    const send = (memsource: string, disposition: string) =>
      t.call({
        method: 'POST',
        url: `/compat/phrase/web/api2/v1/projects/${project}/jobs`,
        payload: 'Hello.',
        headers: { 'content-type': 'text/plain', memsource, 'content-disposition': disposition },
      });
    for (const res of [
      await send('{"targetLangs":["de"],"path":"a\\u0000"}', "filename*=UTF-8''home.txt"),
      await send('{"targetLangs":["de"]}', "filename*=UTF-8''home%00.txt"),
    ]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({
        errorCode: expect.any(String),
        errorDescription: expect.stringContaining('NUL'),
      });
    }
    expect(await counts()).toEqual(before);
  });

  it_('refuses NUL in TextKing bodies, JSON or XML, in its own error shape', async () => {
    const before = await counts();
    const send = (payload: string, type: string) =>
      t.call({
        method: 'POST',
        url: '/compat/textking/v1/projects',
        payload,
        headers: { 'content-type': type, accept: 'application/json' },
      });
    for (const res of [
      await send('{"name":"a\\u0000"}', 'application/json'),
      await send('<project><name>a\u0000b</name></project>', 'application/xml'),
    ]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ status: 400 });
    }
    expect(await counts()).toEqual(before);
  });
});
