import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';

// Per-token fixed windows, announced with the IETF RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers-10): `RateLimit-Policy: "default";q=600;w=60` and
// `RateLimit: "default";r=599;t=42`. Only authenticated requests count, so failed logins cannot
// drain someone else's quota, and a 304 is refunded (GitHub does not count conditional hits either).
export interface RateLimitOptions {
  /** Requests per token per window; 0 disables the limit. */
  limit: number;
  windowSeconds: number;
}

interface Window {
  start: number;
  used: number;
}

export interface RateLimit {
  /** Counts an authenticated request and sets the RateLimit fields, or throws 429 when the quota is spent. */
  count(request: FastifyRequest, reply: FastifyReply): void;
  /** Gives a 304 back its request. */
  refund(request: FastifyRequest, reply: FastifyReply): void;
}

/** The limiter the request hooks call (see request-hooks.ts), or undefined when the limit is off. */
export function rateLimit(options: RateLimitOptions, clock: Clock): RateLimit | undefined {
  if (options.limit <= 0) return undefined;
  const windowMs = options.windowSeconds * 1000;
  const policy = `"default";q=${options.limit};w=${options.windowSeconds}`;
  const windows = new Map<string, Window>();

  return {
    count(request, reply) {
      const principal = request.principal;
      if (principal === undefined) return;
      const now = clock.now();
      const start = now - (now % windowMs);
      let w = windows.get(principal.tokenId);
      if (w === undefined || w.start !== start) {
        if (windows.size > 50_000) windows.clear();
        w = { start, used: 0 };
        windows.set(principal.tokenId, w);
      }
      const reset = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
      reply.header('ratelimit-policy', policy);
      if (w.used >= options.limit) {
        reply.header('ratelimit', `"default";r=0;t=${reset}`);
        // A second of jitter keeps every throttled client from returning in the same instant.
        const retryAfter = reset + Math.floor(Math.random() * 2);
        throw new AppError(
          'rate_limited',
          `This token may make ${options.limit} requests per ${options.windowSeconds} s; retry after ${retryAfter} s.`,
          {
            headers: { 'retry-after': String(retryAfter) },
            extra: { 'violated-policies': ['default'] },
          },
        );
      }
      w.used++;
      reply.header('ratelimit', `"default";r=${options.limit - w.used};t=${reset}`);
    },
    refund(request, reply) {
      if (reply.statusCode !== 304 || request.principal === undefined) return;
      const w = windows.get(request.principal.tokenId);
      if (w !== undefined && w.used > 0) w.used--;
    },
  };
}
