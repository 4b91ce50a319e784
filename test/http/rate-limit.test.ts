import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

const LIMIT = 3;
const WINDOW = 60;

/** `"default";r=2;t=60` → { policy: 'default', r: 2, t: 60 } (draft-ietf-httpapi-ratelimit-headers-10 §4). */
function parseItem(header: unknown): Record<string, string | number> {
  expect(typeof header).toBe('string');
  const [name, ...params] = String(header).split(';');
  expect(name).toMatch(/^"[a-z]+"$/);
  return Object.fromEntries([
    ['policy', name!.slice(1, -1)],
    ...params.map((p) => {
      const [k, v] = p.split('=');
      return [k!, Number(v)];
    }),
  ]);
}

const remaining = (res: LightMyRequestResponse) => parseItem(res.headers.ratelimit).r;

describe.each(DIALECTS)('rate limits on %s', (dialect) => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect))
      t = await testApp(dialect, { clock, rateLimit: { limit: LIMIT, windowSeconds: WINDOW } });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('announces the policy and counts down the remaining quota', async () => {
    const token = await t.token(['jobs:read']);
    const seen = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await t.call({ method: 'GET', url: '/v1/jobs', token });
      expect(res.statusCode).toBe(200);
      expect(parseItem(res.headers['ratelimit-policy'])).toEqual({ policy: 'default', q: LIMIT, w: WINDOW });
      const item = parseItem(res.headers.ratelimit);
      expect(item.policy).toBe('default');
      expect(item.t).toBeGreaterThan(0);
      expect(item.t).toBeLessThanOrEqual(WINDOW);
      seen.push(item.r);
    }
    expect(seen).toEqual([2, 1, 0]);
  });

  it_('answers 429 with Retry-After once the quota is spent, and again after the window', async () => {
    const token = await t.token(['jobs:read', 'jobs:write']);
    for (let i = 0; i < LIMIT; i++)
      expect((await t.call({ method: 'GET', url: '/v1/jobs', token })).statusCode).toBe(200);
    const limited = await t.call({ method: 'POST', url: '/v1/jobs', token, payload: { type: 'report' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited', 'violated-policies': ['default'] });
    const item = parseItem(limited.headers.ratelimit);
    expect(item.r).toBe(0);
    // Retry-After is whole seconds and never earlier than the reset the RateLimit field announces.
    expect(String(limited.headers['retry-after'])).toMatch(/^\d+$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(Number(item.t));
    expect(parseItem(limited.headers['ratelimit-policy'])).toEqual({ policy: 'default', q: LIMIT, w: WINDOW });
    // The refused create did not happen.
    clock.advance(WINDOW * 1000);
    const again = await t.call({ method: 'GET', url: '/v1/jobs?type=report', token });
    expect(again.statusCode).toBe(200);
    expect(remaining(again)).toBe(LIMIT - 1);
    expect(again.json().data).toEqual([]);
  });

  it_('says how many seconds remain until the window resets', async () => {
    const token = await t.token(['jobs:read']);
    const start = clock.ms - (clock.ms % (WINDOW * 1000));
    clock.ms = start + 45_000;
    expect(parseItem((await t.call({ method: 'GET', url: '/v1/jobs', token })).headers.ratelimit).t).toBe(WINDOW - 45);
    clock.ms = start + 59_500;
    expect(parseItem((await t.call({ method: 'GET', url: '/v1/jobs', token })).headers.ratelimit).t).toBe(1);
    clock.ms = start + WINDOW * 1000;
  });

  it_('keeps one quota per token', async () => {
    const spent = await t.token(['jobs:read']);
    const fresh = await t.token(['jobs:read']);
    for (let i = 0; i <= LIMIT; i++) await t.call({ method: 'GET', url: '/v1/jobs', token: spent });
    expect((await t.call({ method: 'GET', url: '/v1/jobs', token: spent })).statusCode).toBe(429);
    const other = await t.call({ method: 'GET', url: '/v1/jobs', token: fresh });
    expect(other.statusCode).toBe(200);
    expect(remaining(other)).toBe(LIMIT - 1);
  });

  it_('counts neither failed logins nor public routes', async () => {
    for (let i = 0; i < LIMIT * 2; i++) {
      const res = await t.call({ method: 'GET', url: '/v1/jobs', token: 'jl_nope' });
      expect(res.statusCode).toBe(401);
      expect(res.headers.ratelimit).toBeUndefined();
      expect((await t.call({ method: 'GET', url: '/healthz', token: null })).statusCode).toBe(200);
    }
  });

  it_('refunds a 304, so polling with If-None-Match costs no quota', async () => {
    const writer = await t.token(['jobs:write']);
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', token: writer, payload: { type: 'poll' } })).json();
    const poller = await t.token(['jobs:read']);
    const first = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: poller });
    expect(remaining(first)).toBe(LIMIT - 1);
    for (let i = 0; i < LIMIT * 2; i++) {
      const res = await t.call({
        method: 'GET',
        url: `/v1/jobs/${job.id}`,
        token: poller,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(res.statusCode).toBe(304);
    }
    const after = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: poller });
    expect(after.statusCode).toBe(200);
    expect(remaining(after)).toBe(LIMIT - 2);
  });
});
