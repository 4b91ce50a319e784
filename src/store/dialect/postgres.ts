import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DetailsRow } from '../job-details.js';
import type { InsertClaim, NewJobRow, NumberedInsert } from '../job-inserts.js';
import type { Migration } from '../migrations.js';
import { pgArray } from '../pg-arrays.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import { postgresLimitedClaim } from './postgres-flow.js';
import type { JobAttemptsTable } from '../schema.js';
import type { Executor } from '../store.js';
import type {
  Completion,
  DetailsIfChanged,
  Dialect,
  Listener,
  ManyReads,
  RawHandle,
  WakeupChannel,
} from './dialect.js';
import { postgresManyReads } from './postgres-many-reads.js';
import { postgresDetails, postgresDetailsIfChanged } from './postgres-details.js';
import { postgresEvents } from './postgres-events.js';
import { postgresInsertNumbered } from './postgres-inserts.js';
import { CHANNELS, listenPostgres } from './postgres-listener.js';
import { postgresClaim, postgresComplete, postgresRecordAttempts } from './postgres-queue.js';

type PostgresRaw = Extract<RawHandle, { kind: 'postgres' }>;

/**
 * PostgreSQL: many writers, in any number of processes, share the tables: rows are locked (and
 * skipped when another worker holds them), and wake-ups travel by NOTIFY. Hot statements are named
 * prepared statements, planned once per connection; batches bind one array per column (unnest).
 */
export class PostgresDialect implements Dialect {
  readonly name = 'postgres';
  readonly events = postgresEvents;
  readonly manyReads: ManyReads;

  constructor(readonly raw: PostgresRaw) {
    this.manyReads = postgresManyReads(raw.pool);
  }

  lockSkippingHeld<DB, TB extends keyof DB, O>(
    q: SelectQueryBuilder<DB, TB, O>,
    of?: TB & string,
  ): SelectQueryBuilder<DB, TB, O> {
    return (of === undefined ? q.forUpdate() : q.forUpdate(of)).skipLocked();
  }

  // A job created waiting on these rows then commits its dependency before they can end, or sees how they ended.
  async lockKey(db: Executor, key: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || ${key}))`.execute(db);
  }

  lockShared<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return q.forShare();
  }

  // Another dispatcher holding the cursor sees the same events, so this one has nothing to do.
  lockDispatchCursor: Dialect['lockDispatchCursor'] = (trx) =>
    trx
      .selectFrom('webhook_dispatch')
      .select(['tx', 'event_id', 'event_k'])
      .where('id', '=', 1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();

  jsonMemberText(column: string, key: string): RawBuilder<string> {
    return sql<string>`${sql.ref(column)} ->> ${key}`;
  }

  oneOf(expr: RawBuilder<unknown>, values: readonly string[], type: 'text' | 'uuid'): RawBuilder<boolean> {
    return sql<boolean>`${expr} = ANY(${pgArray(values)}::${sql.raw(type)}[])`;
  }

  async applyMigrations(migrations: Migration[], createLedger: string): Promise<Migration[]> {
    const client = await this.raw.pool.connect();
    try {
      await client.query('BEGIN');
      // One migrator per schema at a time; the others wait here and then find nothing to do.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('jobline-migrate:' || current_schema()))`);
      await client.query(createLedger);
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

  readonly insertsAnnounceJobs = true;

  notify(channel: WakeupChannel, payload: string): void {
    // Fire and forget: the poll fallback covers a notification that could not be sent.
    this.raw.pool.query('SELECT pg_notify($1, $2)', [CHANNELS[channel], payload]).catch(() => undefined);
  }

  listen(
    heard: (channel: WakeupChannel, payload: string) => void,
    lost: () => void,
    regained: () => void,
  ): Promise<Listener> {
    return listenPostgres(this.raw.pool, this.raw.schema, heard, lost, regained);
  }

  // The triggers NOTIFY every event to every process.
  onEventAdded(): void {}

  eventsAdded(): void {}

  // The insert's NOTIFY of jobs handed over would wake every listening process just as the job starts
  // (migration 0020), so their creation is announced here, after the handover.
  jobsCreated(workspaceId: string, handedOver: boolean): void {
    if (handedOver) this.notify('events', ` ${workspaceId}`);
  }

  jobDetails(workspaceId: string, id: string): Promise<DetailsRow | undefined> {
    return postgresDetails(this.raw.pool, workspaceId, id);
  }

  jobDetailsIfChanged(workspaceId: string, id: string, version: number): Promise<DetailsIfChanged> {
    return postgresDetailsIfChanged(this.raw.pool, workspaceId, id, version);
  }

  insertNumberedJobs(
    trx: Executor | undefined,
    workspaceId: string,
    projectId: string | null,
    jobs: NewJobRow[],
    claim: InsertClaim | undefined,
  ): Promise<NumberedInsert | undefined> {
    return postgresInsertNumbered(this.raw.pool, trx, workspaceId, projectId, jobs, claim);
  }

  readonly standingClaims = true;
  async withdrawStandingClaim(workerId: string): Promise<void> {
    await this.raw.pool.query('DELETE FROM worker_waits WHERE worker_id = $1', [workerId]);
  }

  claim(o: ClaimOptions): Promise<ClaimedRow[]> {
    return postgresClaim(this.raw.pool, o);
  }

  claimLimited(o: ClaimOptions): Promise<ClaimedRow[]> {
    return postgresLimitedClaim(this.raw.pool, o);
  }

  complete(batch: Completion[], now: number): Promise<{ done: string[]; released: number }> {
    return postgresComplete(this.raw.pool, batch, now);
  }

  recordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
    return postgresRecordAttempts(db, rows);
  }
}
