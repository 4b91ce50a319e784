import { createHash } from 'node:crypto';
import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import * as keys from '../store/idempotency.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header-06): the first request's response is
// kept for 24 hours (the modal retention among vendors, Stripe's included) and replayed for the same
// key and body; another body is a 422, a request while the first is still running a 409.
export const KEY_RETENTION_MS = 24 * 3600 * 1000;
// How long a request may hold a key before a retry may take it over (the holder crashed).
const LOCK_MS = 60_000;

export interface IdempotentResult<T> {
  statusCode: number;
  body: T;
  location: string | null;
  replayed: boolean;
}

export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

export async function withIdempotencyKey<T>(
  services: Services,
  principal: Principal,
  key: string,
  body: unknown,
  execute: (trx: Executor) => Promise<{ statusCode: number; body: T; location: string | null }>,
): Promise<IdempotentResult<T>> {
  const now = services.clock.now();
  const hash = requestHash(body);
  const claim = await keys.claimKey(services.store.db, {
    workspaceId: principal.workspaceId,
    key,
    requestHash: hash,
    now,
    lockMs: LOCK_MS,
    retentionMs: KEY_RETENTION_MS,
  });
  switch (claim.kind) {
    case 'mismatch':
      throw new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body; use a new key for a new request.',
      );
    case 'in_progress':
      throw new AppError(
        'idempotency_request_in_progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
        {
          headers: { 'retry-after': '1' },
        },
      );
    case 'done':
      return {
        statusCode: claim.response.statusCode,
        body: JSON.parse(claim.response.body) as T,
        location: claim.response.location,
        replayed: true,
      };
    case 'claimed':
      break;
  }
  try {
    // The work and the stored response commit together: a crash leaves either both or neither.
    const result = await services.store.transaction(async (trx) => {
      const r = await execute(trx);
      await keys.completeKey(trx, principal.workspaceId, key, {
        statusCode: r.statusCode,
        body: JSON.stringify(r.body),
        location: r.location,
      });
      return r;
    });
    return { ...result, replayed: false };
  } catch (error) {
    // Nothing was created: the key is free for a corrected retry.
    await keys.releaseKey(services.store.db, principal.workspaceId, key);
    throw error;
  }
}
