import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect as KyselyPostgres,
  SqliteDialect as KyselySqlite,
  type SqliteDatabase,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { registerDialect, type Dialect, type RawHandle } from './dialect/dialect.js';
import { PostgresDialect } from './dialect/postgres.js';
import { SqliteDialect } from './dialect/sqlite.js';
import type { Database } from './schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

export type { RawHandle } from './dialect/dialect.js';

export class Store {
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    readonly db: Kysely<Database>,
    /** Everything the databases do differently (store/dialect/). */
    readonly dialect: Dialect,
    /** Where this store lives, without secrets, for logs and `readyz`. */
    readonly description: string,
  ) {
    registerDialect(db.getExecutor().adapter, dialect);
  }

  /** The connections under Kysely, for tests and benchmarks; the store's code goes through `dialect`. */
  get raw(): RawHandle {
    return this.dialect.raw;
  }

  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /** Runs `fn` before the connections close (e.g. to end a LISTEN connection). */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) await fn();
    await this.db.destroy();
  }
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; absent selects SQLite under `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (tests give each file its own); created when missing. */
  schema?: string | undefined;
  poolSize?: number | undefined;
}

// PostgreSQL sends BIGINT as text because it may exceed 2^53; ours are epoch-ms timestamps and
// counters, far below that, so they are read as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
// JSON arrives as text, as it does from SQLite, so one reader parses both: a parsed JSONB string
// value ("ok") could not be told apart from JSON text otherwise.
pg.types.setTypeParser(pg.types.builtins.JSONB, (value) => value);
pg.types.setTypeParser(pg.types.builtins.JSON, (value) => value);

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (isPostgresUrl(options.databaseUrl)) return openPostgres(options.databaseUrl, options);
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    throw new Error(
      `Unsupported database URL ${JSON.stringify(redact(options.databaseUrl))}: use postgres://… or leave it unset for SQLite.`,
    );
  }
  return openSqlite(options.dataDir ?? './data');
}

// Memory-mapped I/O reads pages in place instead of copying each through a read() syscall into the
// connection's page cache, which a random lookup on a large database otherwise pays on almost every page.
// Mapped pages live in the OS page cache, shared by both connections; this is an upper bound, not an allocation.
// 2 GiB is the most this SQLite build maps (it clamps larger values); a smaller window leaves most of
// a large database to read(), and single-job reads on it cost visibly more (docs/benchmarks.md).
const SQLITE_MMAP_BYTES = 2 * 1024 * 1024 * 1024;

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'jobline.sqlite');
  const db = new SQLite(file);
  db.pragma('busy_timeout = 5000');
  enableWal(db);
  // FULL makes every commit durable across power loss, not only across a killed process.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  const reader = new SQLite(file);
  reader.pragma('busy_timeout = 5000');
  reader.pragma('query_only = ON');
  reader.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  const cached = withStatementCache(db);
  const kysely = new Kysely<Database>({ dialect: new KyselySqlite({ database: cached satisfies SqliteDatabase }) });
  const raw = { kind: 'sqlite' as const, db, reader, prepare: (sql: string) => cached.prepare(sql) };
  const store = new Store(kysely, new SqliteDialect(raw, kysely), `sqlite:${file}`);
  store.onClose(async () => {
    reader.close();
  });
  return store;
}

/**
 * Switches the file to WAL (kept in the file, so this matters at its first open). The switch takes an
 * exclusive lock and SQLite does not wait for it even with a busy timeout: processes starting together
 * on a new data directory (say `serve` and `worker`, or two `migrate`s) failed with "database is
 * locked". So it retries for as long as the busy timeout would have waited.
 */
function enableWal(db: SQLite.Database): void {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; preparing cost about as much as running the
 * statement on the API's hot reads. This hands it a database whose `prepare` reuses the statement
 * prepared for the same SQL text (most recently used first, at most 500), and prepares a fresh one
 * when the cached one is still busy iterating.
 */
function withStatementCache(db: SQLite.Database): { close(): void; prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => db.close(),
    prepare: (sql: string) => {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) {
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      if (cached === undefined) {
        cache.set(sql, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid schema name ${schema}`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // IF NOT EXISTS is not atomic: two processes creating the same schema at once can both pass the
      // check, and the loser fails on the catalog's unique index. The schema exists then, which is all we need.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') throw error;
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    // The API's hot reads go out batched (read-batches.ts), one statement per batch; a slow database
    // lets a busy server fill every connection with batches, so this also bounds the batches in
    // flight. Polls at a steady rate hold a few connections; when all are held, the database is
    // short of CPU, which more connections would share further rather than add to. Statements on the
    // hot paths are named, so each connection plans them once.
    max: options.poolSize ?? 10,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => undefined);
  const kysely = new Kysely<Database>({ dialect: new KyselyPostgres({ pool }) });
  return new Store(kysely, new PostgresDialect({ kind: 'postgres', pool, schema }), redact(url));
}

/** A URL fit for logs: the password replaced. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
