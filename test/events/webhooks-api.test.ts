import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';

describe.each(DIALECTS)('webhooks API on %s', (dialect) => {
  let t: TestApp;
  // Without JOBLINE_WEBHOOK_ALLOW_PRIVATE: the default a server runs with.
  let strict: TestApp;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { policy: { webhookAllowPrivate: true } });
    strict = await testApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await strict?.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const create = (app: TestApp, payload: object) => app.call({ method: 'POST', url: '/v1/webhooks', payload });

  it_('registers an endpoint: 201 with the secret shown once, then reads, lists, changes and deletes it', async () => {
    const res = await create(t, { url: 'http://127.0.0.1:9/hooks', events: ['job.succeeded', 'job.*'] });
    expect(res.statusCode).toBe(201);
    const hook = res.json();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(hook.secret.slice(6), 'base64')).toHaveLength(32);
    expect(hook).toMatchObject({
      kind: 'endpoint',
      url: 'http://127.0.0.1:9/hooks',
      events: ['job.succeeded', 'job.*'],
      project_id: null,
      disabled: false,
    });
    expect(res.headers.location).toBe(`/v1/webhooks/${hook.id}`);

    const read = (await t.call({ method: 'GET', url: `/v1/webhooks/${hook.id}` })).json();
    expect(read.secret).toBeUndefined();
    expect(read.id).toBe(hook.id);
    const list = (await t.call({ method: 'GET', url: '/v1/webhooks?page_size=100' })).json();
    expect(list.data.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(list.data.every((w: { secret?: string }) => w.secret === undefined)).toBe(true);
    const paged = (await t.call({ method: 'GET', url: '/v1/webhooks?page=1&per_page=10' })).json();
    expect(paged.total).toBeGreaterThanOrEqual(1);

    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/webhooks/${hook.id}`,
      payload: { events: ['job.failed'], disabled: true },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      events: ['job.failed'],
      disabled: true,
      disabled_reason: 'Disabled by a client.',
    });
    const enabled = (
      await t.call({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, payload: { disabled: false } })
    ).json();
    expect(enabled).toMatchObject({ disabled: false, disabled_at: null, disabled_reason: null });

    expect((await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `/v1/webhooks/${hook.id}` })).statusCode).toBe(404);
  });

  it_('pages the list with page tokens', async () => {
    for (let i = 0; i < 3; i++)
      expect((await create(t, { url: `http://127.0.0.1:9/p${i}`, events: ['*'] })).statusCode).toBe(201);
    const first = (await t.call({ method: 'GET', url: '/v1/webhooks?page_size=2' })).json();
    expect(first.data).toHaveLength(2);
    const second = (
      await t.call({ method: 'GET', url: `/v1/webhooks?page_size=2&page_token=${first.next_page_token}` })
    ).json();
    expect(second.data.length).toBeGreaterThanOrEqual(1);
    expect(second.data[0].id < first.data[1].id).toBe(true);
  });

  it_('rotates the secret: a new one shown once, the old one valid for 24 hours', async () => {
    const hook = (await create(t, { url: 'http://127.0.0.1:9/rotate', events: ['*'] })).json();
    const res = await t.call({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret` });
    expect(res.statusCode).toBe(200);
    const rotated = res.json();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });

  it_('refuses bad input with 422 and JSON pointers', async () => {
    const cases: [object, string][] = [
      [{ url: 'ftp://example.com/x', events: ['*'] }, '#/url'],
      [{ url: 'not a url', events: ['*'] }, '#/url'],
      [{ url: 'http://user:pw@127.0.0.1/', events: ['*'] }, '#/url'],
      [{ url: 'http://127.0.0.1/', events: ['job.succeeded', 'job.finished'] }, '#/events/1'],
      [{ url: 'http://127.0.0.1/', events: ['order.*'] }, '#/events/0'],
      [{ url: 'http://127.0.0.1/' }, '#/events'],
      [{ events: ['*'] }, '#/url'],
      [{ url: 'http://127.0.0.1/', events: ['*'], project_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' }, '#/project_id'],
    ];
    for (const [payload, pointer] of cases) {
      const res = await create(t, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(
        res.json().errors.map((e: { pointer: string }) => e.pointer),
        JSON.stringify(payload),
      ).toContain(pointer);
    }
  });

  it_('refuses loopback, private and link-local URLs without JOBLINE_WEBHOOK_ALLOW_PRIVATE', async () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://localhost/hook',
      'http://10.0.0.5/',
      'http://192.168.1.10/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
    ]) {
      const res = await create(strict, { url, events: ['*'] });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().errors[0]).toMatchObject({ pointer: '#/url' });
      expect(res.json().errors[0].detail).toMatch(/not a public address/);
    }
    const job = await strict.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'thumbnail', callback_url: 'http://127.0.0.1:9/cb' },
    });
    expect(job.statusCode).toBe(422);
    expect(job.json().errors[0].pointer).toBe('#/callback_url');
    const batch = await strict.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: [{ type: 'thumbnail' }, { type: 'thumbnail', callback_url: 'http://10.1.1.1/' }] },
    });
    expect(batch.statusCode).toBe(422);
    expect(batch.json().errors[0].pointer).toBe('#/jobs/1/callback_url');
  });

  it_("answers 404 for another workspace's webhook, and 403 without the admin scope", async () => {
    const hook = (await create(t, { url: 'http://127.0.0.1:9/mine', events: ['*'] })).json();
    const other = await t.token(['admin'], 'globex');
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${hook.id}`],
      ['PATCH', `/v1/webhooks/${hook.id}`],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const res = await t.call({
        method,
        url,
        token: other,
        ...(method === 'PATCH' ? { payload: { events: ['*'] } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const writer = await t.token(['jobs:write']);
    expect((await t.call({ method: 'GET', url: '/v1/webhooks', token: writer })).statusCode).toBe(403);
  });

  it_('creates the callback endpoint explicitly once, and shows callback_url on jobs', async () => {
    const res = await create(t, { kind: 'callback' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'callback', url: null, events: ['*'] });
    expect(res.json().secret).toMatch(/^whsec_/);
    const again = await create(t, { kind: 'callback' });
    expect(again.statusCode).toBe(409);
    expect(again.json().webhook_id).toBe(res.json().id);
    expect((await create(t, { kind: 'callback', url: 'http://127.0.0.1/' })).statusCode).toBe(422);

    const job = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'thumbnail', callback_url: 'http://127.0.0.1:9/cb' },
    });
    expect(job.statusCode).toBe(201);
    expect(job.json().callback_url).toBe('http://127.0.0.1:9/cb');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.json().id}` })).json().callback_url).toBe(
      'http://127.0.0.1:9/cb',
    );
    expect(
      (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'thumbnail' } })).json().callback_url,
    ).toBeNull();
  });
});
