export interface Backoff {
  /** Delay before the second attempt. */
  baseMs: number;
  /** The delay doubles per attempt up to this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 3600_000 };

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of many
 * jobs that failed together (a remote outage) spread out instead of returning in one burst.
 */
export function retryDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
