// What becomes of a delivery after a failed attempt: retried on the schedule (Standard Webhooks'
// by default), with ±10 % jitter so that receivers coming back from an outage are not hit by every
// retry at the same instant, and never sooner than a 429 or 503's Retry-After asks.

export interface RetryDecision {
  status: 'pending' | 'failed';
  retryAt?: number;
}

/**
 * `attemptsMade` counts the attempts of this round, the one that just failed included; `delays[i]` is
 * the wait after attempt i + 1, so a schedule of n delays allows n + 1 attempts.
 */
export function afterFailure(
  attemptsMade: number,
  delays: readonly number[],
  now: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): RetryDecision {
  const delay = delays[attemptsMade - 1];
  if (delay === undefined) return { status: 'failed' };
  const jittered = Math.round(delay * (0.9 + 0.2 * random()));
  return { status: 'pending', retryAt: now + Math.max(jittered, retryAfterMs ?? 0) };
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date; capped at a day. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, 24 * 3600 * 1000);
}
