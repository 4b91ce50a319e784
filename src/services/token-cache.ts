import type { Principal } from '../core/auth.js';

interface Entry {
  /** The secret the token was verified with; a request's must equal it. */
  secret: string;
  principal: Principal;
  until: number;
  expiresAt: number | null;
}

// Bounds the entries of a process that sees very many tokens; the cache then starts afresh.
const MAX_ENTRIES = 10_000;

/**
 * Verified tokens are remembered for a few seconds so a busy client costs neither a database read nor
 * a hash per request. An entry is found by the token's prefix, which is not secret, and holds the
 * secret it was verified with: the presented secret must equal it, compared in constant time, so a
 * wrong secret learns nothing from how long the comparison took and falls through to the database
 * (the stored SHA-256), which decides. The secret stays in memory only as long as the entry (the
 * requests that carry it hold it too). A revoke in this process drops the token's entry at once; one
 * in another process takes effect within the TTL.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly touched = new Map<string, number>();

  constructor(readonly ttlMs: number) {}

  /** The principal of the token `prefix`+`secret` when it was verified within the TTL and is still valid. */
  get(prefix: string, secret: string, now: number): Principal | undefined {
    const hit = this.entries.get(prefix);
    if (hit === undefined) return undefined;
    if (hit.until <= now || (hit.expiresAt !== null && hit.expiresAt <= now)) {
      this.entries.delete(prefix);
      return undefined;
    }
    return sameSecret(hit.secret, secret) ? hit.principal : undefined;
  }

  set(prefix: string, secret: string, principal: Principal, now: number, expiresAt: number | null): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
    this.entries.set(prefix, { secret, principal, until: now + this.ttlMs, expiresAt });
  }

  forget(tokenId: string): void {
    for (const [prefix, entry] of this.entries) if (entry.principal.tokenId === tokenId) this.entries.delete(prefix);
  }

  /** True at most once a minute per token: last_used_at is informative and not worth a write per request. */
  shouldTouch(tokenId: string, now: number): boolean {
    const last = this.touched.get(tokenId) ?? 0;
    if (now - last < 60_000) return false;
    if (this.touched.size > MAX_ENTRIES) this.touched.clear();
    this.touched.set(tokenId, now);
    return true;
  }
}

/**
 * Equal strings, in a time that depends only on their length (every secret has the same length): no
 * early exit at the first differing character. Cheaper than timingSafeEqual, which needs both as
 * buffers first.
 */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let differs = 0;
  for (let i = 0; i < a.length; i++) differs |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return differs === 0;
}
