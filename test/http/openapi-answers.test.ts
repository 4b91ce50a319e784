import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { answerChecker, type Json } from '../support/openapi.js';

// What /openapi.json declares for an operation is what it answers: its statuses, and bodies that
// match the schema declared for them.

const UNKNOWN = '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182';

describe.each(DIALECTS)('answers the OpenAPI document declares, on %s', (dialect) => {
  let t: TestApp;
  let check: ReturnType<typeof answerChecker>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    check = answerChecker((await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>());
    ids.project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Target' } })).json().id;
    ids.job = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report', project_id: ids.project } })
    ).json().id;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function expectDeclared(path: string, url: string, status: number): Promise<Json> {
    const res = await t.call({ method: 'GET', url });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(status);
    expect(
      check('GET', path, {
        status: res.statusCode,
        contentType: res.headers['content-type'] as string | undefined,
        body: res.body,
      }),
      url,
    ).toBeUndefined();
    return res.body === '' ? {} : res.json<Json>();
  }

  it_('declares what a `fields` projection returns', async () => {
    expect(await expectDeclared('/v1/jobs/{id}', `/v1/jobs/${ids.job}?fields=status,progress`, 200)).toEqual({
      id: ids.job,
      status: 'pending',
      progress: expect.anything(),
    });
    expect((await expectDeclared('/v1/jobs', '/v1/jobs?fields=status', 200)).data).toEqual([
      { id: ids.job, status: 'pending' },
    ]);
    await expectDeclared('/v1/projects/{id}', `/v1/projects/${ids.project}?fields=name`, 200);
    await expectDeclared('/v1/projects', '/v1/projects?fields=name', 200);
    await expectDeclared('/v1/jobs/{id}', `/v1/jobs/${ids.job}?fields=input.anything`, 200);
  });

  it_('declares projections and XML on every operation that negotiates, writes included', async () => {
    const patch = await t.call({
      method: 'PATCH',
      url: `/v1/projects/${ids.project}?fields=name`,
      payload: { description: 'changed' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(
      check('PATCH', '/v1/projects/{id}', {
        status: 200,
        contentType: patch.headers['content-type'] as string,
        body: patch.body,
      }),
    ).toBeUndefined();
    for (const [path, url] of [
      ['/v1/jobs/{id}', `/v1/jobs/${ids.job}`],
      ['/v1/jobs/{id}', `/v1/jobs/${UNKNOWN}`],
      ['/v1/projects', '/v1/projects?page_size=0'],
    ] as const) {
      const res = await t.call({ method: 'GET', url, headers: { accept: 'application/xml' } });
      expect(res.headers['content-type'], url).toMatch(/^application\/(problem\+)?xml/);
      expect(
        check('GET', path, {
          status: res.statusCode,
          contentType: res.headers['content-type'] as string,
          body: res.body,
        }),
        url,
      ).toBeUndefined();
    }
  });

  it_('refuses `fields` naming members the resource does not have, naming them', async () => {
    for (const [url, names] of [
      [`/v1/jobs/${ids.job}?fields=xyz`, ['xyz']],
      [`/v1/jobs/${ids.job}?fields=status,nope,also.missing`, ['nope', 'also.missing']],
      ['/v1/jobs?fields=data', ['data']],
      [`/v1/projects/${ids.project}?fields=statuss`, ['statuss']],
    ] as const) {
      const body = await expectDeclared(
        url.startsWith('/v1/jobs?') ? '/v1/jobs' : url.startsWith('/v1/jobs') ? '/v1/jobs/{id}' : '/v1/projects/{id}',
        url,
        400,
      );
      expect(body.code).toBe('invalid_query');
      for (const name of names) expect(body.detail).toContain(JSON.stringify(name));
    }
  });

  it_('declares the 403 and 404 of the routes that stream files', async () => {
    await expectDeclared('/v1/downloads/{id}', `/v1/downloads/${UNKNOWN}?expires=1&signature=bad`, 403);
    await expectDeclared('/v1/files/{id}/content', `/v1/files/${UNKNOWN}/content`, 404);
    await expectDeclared('/v1/jobs/{id}/files/{name}', `/v1/jobs/${ids.job}/files/missing.txt`, 404);
    await expectDeclared('/v1/jobs/{id}/files/{name}', `/v1/jobs/${UNKNOWN}/files/missing.txt`, 404);
  });

  it_('answers the probes whatever other query parameters monitors add', async () => {
    expect(await expectDeclared('/healthz', '/healthz?monitor=uptime&_=1733380000', 200)).toEqual({ status: 'ok' });
    expect(await expectDeclared('/readyz', '/readyz?probe=lb', 200)).toEqual({ status: 'ok', database: dialect });
    await expectDeclared('/healthz', '/healthz?pretty=maybe', 400);
  });
});
