import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services/context.js';
import { authenticate, cachedPrincipal, createToken, newSecret, revokeToken } from '../../src/services/tokens.js';
import * as store from '../../src/store/tokens.js';
import { DIALECTS, TestClock, skipUnlessAvailable, testServices } from '../support/databases.js';

const HOUR = 3600_000;

/** The parts of `jl_<prefix>_<secret>`. */
function parts(token: string): { prefix: string; secret: string } {
  const [, prefix, secret] = /^jl_([A-Za-z0-9]{12})_(.+)$/.exec(token)!;
  return { prefix: prefix!, secret: secret! };
}

/** The same prefix with a different, well-formed secret: what an attacker who saw the prefix would send. */
function wrongSecret(token: string): string {
  return `jl_${parts(token).prefix}_${parts(newSecret().token).secret}`;
}

describe.each(DIALECTS)('API tokens on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let services: Services;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    ({ services, cleanup } = await testServices(dialect, { clock }));
  });
  afterAll(async () => cleanup?.());

  it_('stores no part of the secret, only a hash of it', async () => {
    const { token, secret } = await createToken(services, { workspace: 'acme', name: 'ci', scopes: ['jobs:read'] });
    const row = await services.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    const { prefix, secret: secretPart } = parts(secret);
    expect(row.prefix).toBe(prefix);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secretPart);
    // Not even a long piece of it, in case a column kept a truncated or re-encoded copy.
    for (let i = 0; i + 16 <= secretPart.length; i += 8) expect(stored).not.toContain(secretPart.slice(i, i + 16));
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it_('authenticates the right secret as its workspace and scopes', async () => {
    const { token, secret } = await createToken(services, {
      workspace: 'acme',
      name: 'reader',
      scopes: ['jobs:read', 'jobs:write'],
    });
    expect(await authenticate(services, secret)).toEqual({
      tokenId: token.id,
      workspaceId: token.workspaceId,
      scopes: ['jobs:read', 'jobs:write'],
    });
  });

  it_('rejects a wrong secret with a real prefix, and malformed tokens', async () => {
    const { secret } = await createToken(services, { workspace: 'acme', name: 'target', scopes: ['admin'] });
    // Authenticate the real one first so a cached entry exists and cannot be confused with the wrong one.
    expect(await authenticate(services, secret)).toBeDefined();
    const wrong = wrongSecret(secret);
    expect(cachedPrincipal(services, wrong)).toBeUndefined();
    expect(await authenticate(services, wrong)).toBeUndefined();
    // Neither cached by the failed attempt nor able to displace the right secret's entry.
    expect(await authenticate(services, wrong)).toBeUndefined();
    expect(cachedPrincipal(services, secret)).toBeDefined();
    expect(await authenticate(services, `jl_${parts(secret).prefix}_`)).toBeUndefined();
    expect(await authenticate(services, secret.slice(0, -1))).toBeUndefined();
    expect(await authenticate(services, `${secret}x`)).toBeUndefined();
    expect(await authenticate(services, '')).toBeUndefined();
  });

  it_('rejects an unknown token of the right shape', async () => {
    expect(await authenticate(services, newSecret().token)).toBeUndefined();
  });

  it_('rejects a token from the moment it expires', async () => {
    const { secret } = await createToken(services, {
      workspace: 'acme',
      name: 'short',
      scopes: ['jobs:read'],
      expiresAt: clock.now() + HOUR,
    });
    expect(await authenticate(services, secret)).toBeDefined(); // now also cached
    clock.advance(HOUR - 1);
    expect(await authenticate(services, secret)).toBeDefined();
    clock.advance(1);
    expect(await authenticate(services, secret)).toBeUndefined();
  });

  it_('rejects a revoked token at once in the process that revoked it, even with a cached entry', async () => {
    const { token, secret } = await createToken(services, { workspace: 'acme', name: 'leaked', scopes: ['admin'] });
    expect(await authenticate(services, secret)).toBeDefined(); // cached for tokenCache.ttlMs
    await revokeToken(services, token.id);
    expect(await authenticate(services, secret)).toBeUndefined();
    // Revoking again is an error the CLI and API can report, not a silent success.
    await expect(revokeToken(services, token.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it_('honours a revoke by another process once the cache entry runs out', async () => {
    const { token, secret } = await createToken(services, { workspace: 'acme', name: 'elsewhere', scopes: ['admin'] });
    expect(await authenticate(services, secret)).toBeDefined();
    // Another process (`jobline token revoke`, another API server) writes the row; this cache is not told.
    expect(await store.revokeToken(services.store.db, token.id, clock.now())).toBe(true);
    clock.advance(services.tokenCache.ttlMs);
    expect(await authenticate(services, secret)).toBeUndefined();
  });

  it_('lists tokens without their secrets and shows when one was revoked', async () => {
    const { token, secret } = await createToken(services, { workspace: 'listed', name: 'one', scopes: ['jobs:read'] });
    await revokeToken(services, token.id);
    const listed = await store.listTokens(services.store.db, token.workspaceId);
    expect(listed).toEqual([{ ...token, revokedAt: clock.now() }]);
    expect(JSON.stringify(listed)).not.toContain(parts(secret).secret);
  });

  it_('accepts a chosen secret (JOBLINE_ADMIN_TOKEN) and refuses a malformed one', async () => {
    const chosen = newSecret().token;
    await createToken(services, { workspace: 'acme', name: 'chosen', scopes: ['admin'], secret: chosen });
    expect(await authenticate(services, chosen)).toMatchObject({ scopes: ['admin'] });
    await expect(
      createToken(services, { workspace: 'acme', name: 'bad', scopes: ['admin'], secret: 'hunter2' }),
    ).rejects.toThrow(/jl_/);
  });
});
