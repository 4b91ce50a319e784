import { describe, expect, it } from 'vitest';
import { isPublicAddress, publicOnlyLookup } from '../../src/events/ssrf.js';
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
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses, at connect time, a name that resolves to loopback', async () => {
    const error = await new Promise<Error | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(error?.message).toMatch(/not a public address/);
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
