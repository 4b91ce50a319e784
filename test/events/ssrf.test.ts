import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, publicOnlyLookup } from '../../src/services/ssrf.js';
import { newWebhookSecret } from '../../src/core/webhooks.js';
import { uuidv7 } from '../../src/core/ids.js';
import { createToken } from '../../src/services/tokens.js';
import { insertWebhook } from '../../src/store/webhooks.js';
import { testApp, type TestApp } from '../support/app.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';

// IPv6 spellings that carry an IPv4 address, each of which a packet to it reaches (through the kernel,
// a NAT64 gateway, a 6to4 or Teredo relay): each is as private as the address it carries.
function carrying(a: number, b: number, c: number, d: number): string[] {
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  const hi = hex(a, b);
  const lo = hex(c, d);
  const inv = (x: number, y: number) => (((x << 8) | y) ^ 0xffff).toString(16);
  return [
    `::ffff:${a}.${b}.${c}.${d}`, // IPv4-mapped
    `::ffff:0:${hi}:${lo}`, // IPv4-translated
    `::ffff:0:${a}.${b}.${c}.${d}`,
    `::${hi}:${lo}`, // IPv4-compatible
    `64:ff9b::${hi}:${lo}`, // NAT64, well-known prefix
    `64:ff9b:1::${hi}:${lo}`, // NAT64, local-use prefix
    `2002:${hi}:${lo}::1`, // 6to4
    `2001:0:808:808:8000:ffff:${inv(a, b)}:${inv(c, d)}`, // Teredo, the client
    `2001:0:${hi}:${lo}:8000:ffff:f7f7:f7f7`, // Teredo, the server
  ];
}
const PRIVATE_CARRIED = [
  '::ffff:0:7f00:1',
  '64:ff9b:1::7f00:1',
  '2001::8000:ffff:80ff:fffe',
  ...carrying(127, 0, 0, 1),
  ...carrying(10, 1, 2, 3),
  ...carrying(169, 254, 169, 254),
  ...carrying(192, 168, 0, 1),
];
const PUBLIC = ['2606:4700:4700::1111', ...carrying(8, 8, 8, 8)];
import { afterFailure, parseRetryAfter } from '../../src/events/retry-schedule.js';
import { RETRY_DELAYS_MS } from '../../src/core/webhooks.js';

describe('the address classifier of the SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'febf::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '2002:c0a8:0101::1',
    '64:ff9b:1:a00:1::808:808', // local-use NAT64 with a prefix longer than /96: its IPv4 address is not in the last 32 bits
    '2001:db8::1',
    '2001:2::1',
    'not an address',
    ...PRIVATE_CARRIED,
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2a00:1450:4001::1', ...PUBLIC])(
    'allows %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('refuses, at connect time, a name that resolves to loopback', async () => {
    const error = await new Promise<Error | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(error?.message).toMatch(/not a public address/);
  });
});

describe.each(DIALECTS)('webhook URLs carrying a private IPv4 address on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    // Without JOBLINE_WEBHOOK_ALLOW_PRIVATE, as a server runs by default; one attempt per delivery.
    t = await testApp(dialect, {
      webhooks: { retryDelaysMs: [], timeoutMs: 2000, pollMs: 50, dispatcher: { pollMs: 50 } },
    });
  });
  afterAll(async () => {
    await t?.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const url = (address: string) => `http://[${address}]:9/hook`;

  it_('refuses them as endpoints and as callback URLs, and takes a public one', async () => {
    for (const address of PRIVATE_CARRIED) {
      const hook = await t.call({ method: 'POST', url: '/v1/webhooks', payload: { url: url(address), events: ['*'] } });
      expect(hook.statusCode, address).toBe(422);
      expect(hook.json().errors[0]).toMatchObject({
        pointer: '#/url',
        detail: expect.stringMatching(/not a public address/),
      });
      const job = await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'thumbnail', callback_url: url(address) },
      });
      expect(job.statusCode, address).toBe(422);
      expect(job.json().errors[0].pointer).toBe('#/callback_url');
    }
    for (const address of PUBLIC) {
      expect(
        (
          await t.call({
            method: 'POST',
            url: '/v1/webhooks',
            payload: { url: url(address), events: ['job.succeeded'] },
          })
        ).statusCode,
        address,
      ).toBe(201);
    }
  });

  it_('does not send to them when an endpoint holding one was stored before the rule', async () => {
    const { token } = await createToken(t.services, { workspace: 'acme', name: 'ssrf', scopes: ['admin'] });
    const ids = new Map<string, string>();
    const now = t.services.clock.now();
    for (const address of [...PRIVATE_CARRIED, PUBLIC[0]!]) {
      const hook = await insertWebhook(t.services.store.db, {
        id: uuidv7(now),
        workspaceId: token.workspaceId,
        kind: 'endpoint',
        url: url(address),
        events: ['job.created'],
        projectId: null,
        secret: newWebhookSecret(),
        now,
      });
      ids.set(address, hook!.id);
    }
    expect((await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'thumbnail' } })).statusCode).toBe(201);
    for (const [address, id] of ids) {
      const delivery = await until(`the delivery to ${address} was tried`, async () => {
        const list = (await t.call({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` })).json().data;
        return list[0]?.status === 'failed' ? list[0] : undefined;
      });
      if (address === PUBLIC[0]) expect(delivery.last_error, address).not.toMatch(/not a public address/);
      else expect(delivery.last_error, address).toMatch(/not a public address/);
    }
  });
});

describe('the retry schedule', () => {
  it('follows Standard Webhooks: ten attempts, the last failing the delivery, with ±10 % jitter', () => {
    expect(RETRY_DELAYS_MS.length + 1).toBe(10);
    expect(afterFailure(1, RETRY_DELAYS_MS, 0, undefined, () => 0)).toEqual({ status: 'pending', retryAt: 4500 });
    expect(afterFailure(1, RETRY_DELAYS_MS, 0, undefined, () => 1)).toEqual({ status: 'pending', retryAt: 5500 });
    expect(afterFailure(2, RETRY_DELAYS_MS, 0, undefined, () => 0.5)).toEqual({ status: 'pending', retryAt: 300_000 });
    expect(afterFailure(10, RETRY_DELAYS_MS, 0, undefined)).toEqual({ status: 'failed' });
  });

  it("waits at least as long as a 429 or 503's Retry-After asks", () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(afterFailure(1, RETRY_DELAYS_MS, 0, 120_000, () => 0.5)).toEqual({ status: 'pending', retryAt: 120_000 });
  });
});
