import { EventEmitter } from 'node:events';
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DetailsRow } from '../job-details.js';
import type { InsertClaim, NewJobRow, NumberedInsert } from '../job-inserts.js';
import type { Migration } from '../migrations.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import type { Database, JobAttemptsTable } from '../schema.js';
import type { Executor } from '../store.js';
import type { Completion, DetailsIfChanged, Dialect, Listener, RawHandle } from './dialect.js';
import { sqliteDetailsReader } from './sqlite-details.js';
import { sqliteEvents } from './sqlite-events.js';
import { sqliteInsertNumberedIn, sqliteNumberedInsert } from './sqlite-inserts.js';
import { sqliteLimitedClaim } from './sqlite-flow.js';
import { sqliteClaim, sqliteComplete, sqliteRecordAttempts } from './sqlite-queue.js';

type SqliteRaw = Extract<RawHandle, { kind: 'sqlite' }>;

/**
 * SQLite: one writer at a time, so the database is the lock (no row locks to take or skip), and
 * wake-ups stay inside the process. The hot paths run synchronously on better-sqlite3's connection:
 * while no transaction is open there nothing can run between their statements, so they run at once;
 * otherwise (another caller's transaction is open between its awaits) they wait for Kysely to lend
 * the connection, as every query does.
 */
export class SqliteDialect implements Dialect {
  readonly name = 'sqlite';
  readonly events;
  /** The event triggers call jobline_event_added (migration 0021), which emits 'event' here. */
  private readonly added = new EventEmitter();
  private readonly details;
  private readonly claims;
  private readonly limitedClaim;
  private readonly numberedInsert;

  constructor(
    readonly raw: SqliteRaw,
    private readonly kysely: Kysely<Database>,
  ) {
    this.added.setMaxListeners(0);
    this.events = sqliteEvents((jobId, workspaceId) => this.added.emit('event', jobId, workspaceId));
    this.details = sqliteDetailsReader(raw.reader);
    this.claims = [sqliteClaim(raw, false), sqliteClaim(raw, true)] as const;
    this.limitedClaim = sqliteLimitedClaim(raw);
    this.numberedInsert = sqliteNumberedInsert(raw);
    // Called by the event triggers inside the writing statement, before its transaction commits:
    // listeners only learn that there is news, and read it through Kysely, whose connection lock makes
    // the read wait for the commit.
    raw.db.function('jobline_event_added', { deterministic: false, varargs: false }, (jobId, workspaceId) => {
      this.added.emit('event', String(jobId), String(workspaceId));
      return null;
    });
  }

  lockSkippingHeld<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return q;
  }

  async lockKey(db: Executor): Promise<void> {
    // A write that changes nothing: the transaction holds the write lock from here on.
    await sql`DELETE FROM job_flow_starts WHERE 0`.execute(db);
  }

  lockShared<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return q;
  }

  // The first statement is a write, so the transaction takes the write lock at once rather than
  // failing to upgrade a read lock later.
  lockDispatchCursor: Dialect['lockDispatchCursor'] = (trx) =>
    trx
      .updateTable('webhook_dispatch')
      .set((eb) => ({ id: eb.ref('id') }))
      .where('id', '=', 1)
      .returning(['tx', 'event_id', 'event_k'])
      .executeTakeFirst();

  jsonMemberText(column: string, key: string): RawBuilder<string> {
    return sql<string>`json_extract(${sql.ref(column)}, ${`$.${JSON.stringify(key)}`})`;
  }

  oneOf(expr: RawBuilder<unknown>, values: readonly string[]): RawBuilder<boolean> {
    return sql<boolean>`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
  }

  applyMigrations(migrations: Migration[], createLedger: string): Promise<Migration[]> {
    const db = this.raw.db;
    // BEGIN IMMEDIATE takes the write lock first, so a second process waits instead of racing.
    const run = db.transaction(() => {
      db.exec(createLedger);
      const applied = new Set(
        db
          .prepare('SELECT version FROM schema_migrations')
          .all()
          .map((r) => (r as { version: number }).version),
      );
      const pending = migrations.filter((m) => !applied.has(m.version));
      for (const m of pending) {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
      }
      return pending;
    });
    return Promise.resolve(run.immediate());
  }

  notify(): void {}
  readonly insertsAnnounceJobs = false;

  listen(): Promise<Listener> | undefined {
    return undefined;
  }

  onEventAdded(listener: (jobId: string, workspaceId: string) => void): void {
    this.added.on('event', listener);
  }

  eventsAdded(rows: readonly { id: string; workspace_id: string }[]): void {
    for (const r of rows) this.added.emit('event', r.id, r.workspace_id);
  }

  // The insert leaves every new job to this call: a call into JavaScript per job from a trigger was a
  // visible part of the insert (migration 0021).
  jobsCreated(workspaceId: string, _handedOver: boolean, local: (workspaceId: string) => void): void {
    local(workspaceId);
  }

  jobDetails(workspaceId: string, id: string): Promise<DetailsRow | undefined> {
    return Promise.resolve(this.details.details(workspaceId, id));
  }

  // Two statements when the job changed: it may change again between them, and then the details
  // carry the newer version, which is what the caller keeps.
  jobDetailsIfChanged(workspaceId: string, id: string, version: number): Promise<DetailsIfChanged> {
    const current = this.details.version(workspaceId, id);
    if (current === undefined) return Promise.resolve(undefined);
    if (current === version) return Promise.resolve('unchanged');
    return Promise.resolve(this.details.details(workspaceId, id));
  }

  async insertNumberedJobs(
    trx: Executor | undefined,
    workspaceId: string,
    projectId: string | null,
    jobs: NewJobRow[],
    claim: InsertClaim | undefined,
  ): Promise<NumberedInsert | undefined> {
    const first =
      trx !== undefined
        ? await sqliteInsertNumberedIn(trx, workspaceId, projectId, jobs)
        : await this.onConnection(() => this.numberedInsert.immediate(workspaceId, projectId, jobs, claim));
    return first === undefined ? undefined : { first };
  }

  // One process writes a SQLite database: its handoff (services/handoff.ts) is all there is.
  readonly standingClaims = false;
  async withdrawStandingClaim(): Promise<void> {}

  async claim(o: ClaimOptions): Promise<ClaimedRow[]> {
    const claim = this.claims[o.workspaceId === undefined ? 0 : 1];
    const rows = await this.onConnection(() => claim(o));
    // The trigger announced each event from inside the statement; the batch rows are announced here.
    this.eventsAdded(rows);
    return rows;
  }

  async claimLimited(o: ClaimOptions): Promise<ClaimedRow[]> {
    const rows = await this.onConnection(() => this.limitedClaim(o));
    this.eventsAdded(rows);
    return rows;
  }

  async complete(batch: Completion[], now: number): Promise<{ done: string[]; released: number }> {
    const { succeeded, released } = await sqliteComplete(this.kysely, batch, now);
    this.eventsAdded(succeeded);
    return { done: succeeded.map((r) => r.id), released };
  }

  recordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
    return sqliteRecordAttempts(db, rows);
  }

  /** Runs `fn` on the writer connection at once, or when Kysely lends it if a transaction is open there. */
  private async onConnection<T>(fn: () => T): Promise<T> {
    if (!this.raw.db.inTransaction) return fn();
    return this.kysely.connection().execute(async () => fn());
  }
}
