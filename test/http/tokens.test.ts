import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('token admin API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const create = (payload: object, token?: string) =>
    t.call({ method: 'POST', url: '/v1/tokens', payload, ...(token ? { token } : {}) });

  it_('creates a token whose secret is shown once and works at once', async () => {
    const res = await create({ name: 'ci', scopes: ['jobs:read', 'jobs:write'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(created).toMatchObject({
      name: 'ci',
      scopes: ['jobs:read', 'jobs:write'],
      last_used_at: null,
      revoked_at: null,
    });
    expect(created.secret).toMatch(/^jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(`${created.prefix}_`)).toBe(true);
    const job = await t.call({ method: 'POST', url: '/v1/jobs', token: created.secret, payload: { type: 'report' } });
    expect(job.statusCode).toBe(201);
    // The new token belongs to the creator's workspace.
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.json().id}` })).statusCode).toBe(200);
  });

  it_('lists tokens without their secrets', async () => {
    const created = (await create({ name: 'listed', scopes: ['jobs:read'] })).json();
    const res = await t.call({ method: 'GET', url: '/v1/tokens' });
    expect(res.statusCode).toBe(200);
    const listed = res.json().data.find((x: { id: string }) => x.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      name: 'listed',
      prefix: created.prefix,
      scopes: ['jobs:read'],
      created_at: created.created_at,
      last_used_at: null,
      revoked_at: null,
    });
    expect(res.body).not.toContain(created.secret.slice(created.prefix.length + 1));
  });

  it_('revokes a token: 204, then 401 for it, and 404 when revoked again', async () => {
    const created = (await create({ name: 'short-lived', scopes: ['jobs:read'] })).json();
    expect((await t.call({ method: 'GET', url: '/v1/jobs', token: created.secret })).statusCode).toBe(200);
    const revoke = await t.call({ method: 'DELETE', url: `/v1/tokens/${created.id}` });
    expect(revoke.statusCode).toBe(204);
    expect(revoke.body).toBe('');
    const after = await t.call({ method: 'GET', url: '/v1/jobs', token: created.secret });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
    const listed = (await t.call({ method: 'GET', url: '/v1/tokens' }))
      .json()
      .data.find((x: { id: string }) => x.id === created.id);
    expect(listed.revoked_at).toEqual(expect.any(String));
    const again = await t.call({ method: 'DELETE', url: `/v1/tokens/${created.id}` });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('not_found');
  });

  it_('revokes with XML asked for: still an empty 204', async () => {
    const created = (await create({ name: 'xml', scopes: ['jobs:read'] })).json();
    const res = await t.call({
      method: 'DELETE',
      url: `/v1/tokens/${created.id}`,
      headers: { accept: 'application/xml' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it_("keeps workspaces apart: another workspace's admin neither sees nor revokes our tokens", async () => {
    const ours = (await create({ name: 'ours', scopes: ['jobs:read'] })).json();
    const theirs = await t.token(['admin'], 'globex');
    const list = (await t.call({ method: 'GET', url: '/v1/tokens', token: theirs })).json().data;
    expect(list.map((x: { id: string }) => x.id)).not.toContain(ours.id);
    const revoke = await t.call({ method: 'DELETE', url: `/v1/tokens/${ours.id}`, token: theirs });
    expect(revoke.statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: '/v1/jobs', token: ours.secret })).statusCode).toBe(200);
  });

  it_('lets only admins manage tokens', async () => {
    const writer = await t.token(['jobs:read', 'jobs:write']);
    expect((await create({ name: 'escalate', scopes: ['admin'] }, writer)).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: '/v1/tokens', token: writer })).statusCode).toBe(403);
    const victim = (await create({ name: 'victim', scopes: ['jobs:read'] })).json();
    expect((await t.call({ method: 'DELETE', url: `/v1/tokens/${victim.id}`, token: writer })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: '/v1/jobs', token: victim.secret })).statusCode).toBe(200);
  });

  it_('validates the request', async () => {
    const cases: [object, string][] = [
      [{ name: 'x', scopes: ['root'] }, '#/scopes/0'],
      [{ name: 'x', scopes: [] }, '#/scopes'],
      [{ name: 'x', scopes: ['jobs:read', 'jobs:read'] }, '#/scopes'],
      [{ name: '', scopes: ['jobs:read'] }, '#/name'],
      [{ name: 'tab\there', scopes: ['jobs:read'] }, '#/name'],
      [{ name: 'x'.repeat(101), scopes: ['jobs:read'] }, '#/name'],
      [{ scopes: ['jobs:read'] }, '#/name'],
      [{ name: 'x', scopes: ['jobs:read'], workspace: 'globex' }, '#/workspace'],
    ];
    for (const [payload, pointer] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(
        res.json().errors.map((e: { pointer: string }) => e.pointer),
        JSON.stringify(payload),
      ).toContain(pointer);
    }
  });
});
