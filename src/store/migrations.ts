import { readdirSync, readFileSync } from 'node:fs';
import type { Store } from './store.js';

// Numbered SQL files per dialect (after graphile-worker's sql/000001.sql): easy to review and to run by
// hand. Each file is applied once, in its own transaction, and recorded in schema_migrations.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = new URL(`./migrations/${dialect}/`, import.meta.url);
  return readdirSync(dir)
    .map((file) => FILE.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2]!, sql: readFileSync(new URL(m[0], dir), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Applies every pending migration, or those up to `through` (tests of upgrades build the older schema
 * that way); returns the ones applied. Safe to run from several processes at once.
 */
export async function migrate(store: Store, options: { through?: number } = {}): Promise<Migration[]> {
  const migrations = loadMigrations(store.capabilities.dialect).filter(
    (m) => m.version <= (options.through ?? Infinity),
  );
  const raw = store.raw;
  if (raw.kind === 'sqlite') {
    // BEGIN IMMEDIATE takes the write lock first, so a second process waits instead of racing.
    const run = raw.db.transaction(() => {
      raw.db.exec(CREATE_LEDGER);
      const applied = new Set(
        raw.db
          .prepare('SELECT version FROM schema_migrations')
          .all()
          .map((r) => (r as { version: number }).version),
      );
      const pending = migrations.filter((m) => !applied.has(m.version));
      for (const m of pending) {
        raw.db.exec(m.sql);
        raw.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      }
      return pending;
    });
    return run.immediate();
  }
  const client = await raw.pool.connect();
  try {
    await client.query('BEGIN');
    // One migrator per schema at a time; the others wait here and then find nothing to do.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('jobline-migrate:' || current_schema()))`);
    await client.query(CREATE_LEDGER);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
    return pending;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
