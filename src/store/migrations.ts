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
  const migrations = loadMigrations(store.dialect.name).filter((m) => m.version <= (options.through ?? Infinity));
  return store.dialect.applyMigrations(migrations, CREATE_LEDGER);
}
