import { toIso } from '../../core/clock.js';
import type { ApiToken } from '../../core/auth.js';

export function tokenRepresentation(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    prefix: `jl_${token.prefix}`,
    scopes: token.scopes,
    created_at: toIso(token.createdAt)!,
    last_used_at: toIso(token.lastUsedAt),
    revoked_at: toIso(token.revokedAt),
    ...(token.jobTypes != null ? { job_types: token.jobTypes } : {}),
  };
}
