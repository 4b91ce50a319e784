import { afterEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services/context.js';
import { ensureAdminToken } from '../../src/services/bootstrap.js';
import { authenticate, newSecret } from '../../src/services/tokens.js';
import { listTokens } from '../../src/store/tokens.js';
import { DIALECTS, skipUnlessAvailable, testServices } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

describe.each(DIALECTS)('admin token at start on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function empty(): Promise<Services> {
    const { services, cleanup } = await testServices(dialect);
    cleanups.push(cleanup);
    return services;
  }

  /**
   * Processes starting together on one empty database: two pools on PostgreSQL, as two replicas; on
   * SQLite, starts interleaved on one connection (see sharedDatabase for why).
   */
  async function twoStarts(): Promise<[Services, Services]> {
    const shared: SharedDatabase = await sharedDatabase(dialect);
    cleanups.push(() => shared.cleanup());
    // sharedDatabase adds a token for its own use; start from no tokens at all.
    await shared.a.store.db.deleteFrom('api_tokens').execute();
    return [shared.a, shared.b];
  }

  it_('creates one admin token on the first start and none on the next', async () => {
    const services = await empty();
    const first = await ensureAdminToken(services, undefined);
    expect(first.created).toMatch(/^jl_/);
    expect(await authenticate(services, first.created!)).toMatchObject({ scopes: ['admin'] });
    expect(await ensureAdminToken(services, undefined)).toEqual({});
    expect(await listTokens(services.store.db)).toHaveLength(1);
  });

  it_('creates exactly one admin token when several processes start on an empty database at once', async () => {
    const [a, b] = await twoStarts();
    const results = await Promise.all([
      ensureAdminToken(a, undefined),
      ensureAdminToken(b, undefined),
      ensureAdminToken(a, undefined),
      ensureAdminToken(b, undefined),
    ]);
    expect(results.filter((r) => r.created !== undefined)).toHaveLength(1);
    expect(await listTokens(a.store.db)).toHaveLength(1);
  });

  it_('makes sure JOBLINE_ADMIN_TOKEN exists, once, even when processes start together', async () => {
    const [a, b] = await twoStarts();
    const chosen = newSecret().token;
    const results = await Promise.all([
      ensureAdminToken(a, chosen),
      ensureAdminToken(b, chosen),
      ensureAdminToken(a, chosen),
      ensureAdminToken(b, chosen),
    ]);
    expect(results).toEqual([{}, {}, {}, {}]);
    expect(await listTokens(a.store.db)).toHaveLength(1);
    expect(await authenticate(b, chosen)).toMatchObject({ scopes: ['admin'] });
  });
});
