import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/core/auth.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

function expect401(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json().code).toBe('unauthorized');
  expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="jobline"/);
}

describe.each(DIALECTS)('authentication and scopes on %s', (dialect) => {
  let t: TestApp;
  let jobId: string;
  let projectId: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { bodyLimit: 4096 });
    projectId = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Acme site' } })).json().id;
    jobId = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report', project_id: projectId } })
    ).json().id;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('answers 401 with WWW-Authenticate without a usable bearer token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
      { authorization: `Token ${t.admin}` },
      { authorization: 'Bearer jl_short' },
      { authorization: `Bearer ${t.admin}x` },
      { authorization: `Bearer ${t.admin.slice(0, -4)}AAAA` },
      { authorization: `Bearer jl_${'a'.repeat(12)}_${'b'.repeat(43)}` },
    ];
    for (const headers of attempts) expect401(await t.call({ method: 'GET', url: '/v1/jobs', token: null, headers }));
    const invalid = await t.call({ method: 'GET', url: '/v1/jobs', token: 'jl_nope' });
    expect(invalid.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it_('accepts the scheme name in any case (RFC 9110 §11.1)', async () => {
    const res = await t.call({
      method: 'GET',
      url: '/v1/jobs',
      token: null,
      headers: { authorization: `bearer ${t.admin}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it_('checks the token before reading the body', async () => {
    expect401(await t.call({ method: 'POST', url: '/v1/jobs', token: null, payload: { type: 'BAD TYPE' } }));
    expect401(
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        token: null,
        payload: { type: 'report', input: { big: 'x'.repeat(10_000) } },
      }),
    );
    expect401(
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        token: null,
        payload: '{broken',
        headers: { 'content-type': 'application/json' },
      }),
    );
  });

  it_('keeps probes, metrics and the API reference public', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect((await t.call({ method: 'GET', url, token: null })).statusCode, url).toBe(200);
    }
  });

  const routes: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: () => string; needs: Scope; payload?: object }[] = [
    { method: 'GET', url: () => '/v1/jobs', needs: 'jobs:read' },
    { method: 'GET', url: () => `/v1/jobs/${jobId}`, needs: 'jobs:read' },
    { method: 'GET', url: () => '/v1/projects', needs: 'jobs:read' },
    { method: 'GET', url: () => `/v1/projects/${projectId}`, needs: 'jobs:read' },
    { method: 'GET', url: () => `/v1/projects/${projectId}/jobs`, needs: 'jobs:read' },
    { method: 'POST', url: () => '/v1/jobs', needs: 'jobs:write', payload: { type: 'scoped' } },
    { method: 'POST', url: () => '/v1/projects', needs: 'jobs:write', payload: { name: 'Scoped' } },
    {
      method: 'PATCH',
      url: () => `/v1/projects/${projectId}`,
      needs: 'jobs:write',
      payload: { description: 'changed' },
    },
    { method: 'GET', url: () => '/v1/tokens', needs: 'admin' },
    { method: 'POST', url: () => '/v1/tokens', needs: 'admin', payload: { name: 'x', scopes: ['jobs:read'] } },
    { method: 'DELETE', url: () => '/v1/tokens/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182', needs: 'admin' },
  ];

  for (const held of [['jobs:read'], ['jobs:write'], ['jobs:read', 'jobs:write'], ['admin']] as Scope[][]) {
    it_(`lets a token with ${held.join(' + ')} do exactly what its scopes allow`, async () => {
      const token = await t.token(held);
      for (const r of routes) {
        const res = await t.call({
          method: r.method,
          url: r.url(),
          token,
          ...(r.payload ? { payload: r.payload } : {}),
        });
        const allowed = held.includes(r.needs) || held.includes('admin');
        const label = `${r.method} ${r.url()} with ${held.join(',')}`;
        if (allowed) {
          expect(res.statusCode, label).toBeLessThan(500);
          expect([401, 403], label).not.toContain(res.statusCode);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json(), label).toMatchObject({ code: 'forbidden', required_scope: r.needs });
          expect(res.headers['www-authenticate'], label).toContain(`error="insufficient_scope", scope="${r.needs}"`);
        }
      }
    });
  }

  it_("answers 404 for another workspace's job and project, as if they did not exist", async () => {
    const other = await t.token(['admin'], 'globex');
    for (const [method, url] of [
      ['GET', `/v1/jobs/${jobId}`],
      ['POST', `/v1/jobs/${jobId}/cancel`],
      ['GET', `/v1/projects/${projectId}`],
      ['GET', `/v1/projects/${projectId}/jobs`],
    ] as const) {
      const res = await t.call({ method, url, token: other });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
    const patch = await t.call({
      method: 'PATCH',
      url: `/v1/projects/${projectId}`,
      token: other,
      payload: { name: 'Hijacked' },
    });
    expect(patch.statusCode).toBe(404);
    // Creating a job in another workspace's project fails like an unknown project would.
    const create = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      token: other,
      payload: { type: 'report', project_id: projectId },
    });
    expect(create.statusCode).toBe(422);
    expect(create.json().errors).toEqual([{ pointer: '#/project_id', detail: expect.any(String) }]);
    expect((await t.call({ method: 'GET', url: '/v1/projects', token: other })).json().data).toEqual([]);
    // Nothing changed on the owner's side.
    const mine = await t.call({ method: 'GET', url: `/v1/projects/${projectId}` });
    expect(mine.json().name).toBe('Acme site');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${jobId}` })).json().status).toBe('pending');
  });
});
