import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrations.js';
import { openStore, type Store } from '../../src/store/store.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

async function ledger(store: Store): Promise<number[]> {
  const rows = await store.db
    .selectFrom('schema_migrations' as never)
    .select('version' as never)
    .orderBy('version' as never)
    .execute();
  return rows.map((r) => Number((r as { version: number }).version));
}

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const stores: Store[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const c of cleanups.splice(0)) await c();
  });

  async function open(options: ReturnType<typeof freshDatabase>['options']): Promise<Store> {
    const store = await openStore(options);
    stores.push(store);
    return store;
  }

  function fresh() {
    const db = freshDatabase(dialect);
    cleanups.push(db.cleanup);
    return db.options;
  }

  it_('applies every migration on an empty database, and nothing the second time', async () => {
    const store = await open(fresh());
    const all = loadMigrations(dialect).map((m) => m.version);
    expect(all.length).toBeGreaterThan(0);

    const first = await migrate(store);
    expect(first.map((m) => m.version)).toEqual(all);
    expect(await ledger(store)).toEqual(all);

    const second = await migrate(store);
    expect(second).toEqual([]);
    expect(await ledger(store)).toEqual(all);
    // The schema is usable: the tables the migrations create answer queries.
    expect(await store.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it_('lets two stores migrate the same empty database at once: each migration applied exactly once', async () => {
    const options = fresh();
    // Two stores are two connections (two pools on PostgreSQL), as two processes starting together would have.
    const [a, b] = await Promise.all([open(options), open(options)]);
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
    const all = loadMigrations(dialect).map((m) => m.version);
    expect([...ra, ...rb].map((m) => m.version).sort((x, y) => x - y)).toEqual(all);
    expect(await ledger(a)).toEqual(all);
    expect(await migrate(b)).toEqual([]);
  });
});
