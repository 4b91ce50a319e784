import type SQLite from 'better-sqlite3';
import type { DialectAdapter, RawBuilder, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type pg from 'pg';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import type { EventRow, Expansion, NewEvent } from '../events.js';
import type { DetailsRow } from '../job-details.js';
import type { InsertClaim, NewJobRow } from '../job-inserts.js';
import type { Migration } from '../migrations.js';
import type { JobRow } from '../jobs.js';
import type { ApiTokensTable, Database, JobAttemptsTable } from '../schema.js';
import type { Executor } from '../store.js';

// Every difference between SQLite and PostgreSQL lives behind this interface (after Kysely's
// dialect adapters and pg-boss's one object of statements): the store's query files say what they
// do, and the dialect says how its database does the parts that differ. A capability is a behaviour
// here (lock these rows if others may hold them, append this event, announce these jobs), not a flag
// for callers to branch on; prepared statements and hand-written batches are the dialect's business.

/** The connections under Kysely, for the dialect's fast paths, tests and benchmarks. */
export type RawHandle =
  | {
      kind: 'sqlite';
      db: SQLite.Database;
      /**
       * A second, query-only connection to the same file for hot single-statement reads. It sees only
       * committed data (WAL gives it a snapshot per statement), never another request's transaction that
       * is open on `db` between its awaits, and it needs no turn on Kysely's connection lock.
       */
      reader: SQLite.Database;
      /** Prepares on `db` through the statement cache Kysely uses. */
      prepare: (sql: string) => SQLite.Statement;
    }
  | { kind: 'postgres'; pool: pg.Pool; schema: string | undefined };

/** Channels a wake-up is carried on between processes (store/wakeups.ts). */
export type WakeupChannel = 'jobs' | 'cancel' | 'events';

export interface Listener {
  close(): Promise<void>;
}

/** A finished attempt's row and the job's output, for a completion. */
export interface Completion {
  attempt: JobAttemptsTable;
  output: unknown;
}

/** The outcome of reading a job's details for a caller that holds one version of it. */
export type DetailsIfChanged = DetailsRow | 'unchanged' | undefined;

/**
 * The reads many requests make at once, as one statement each for any number of them: one answer per
 * read, in order. Each job is matched within the read's own workspace.
 */
export interface ManyReads {
  /** Each job's details; 'unchanged' where the read holds the job's current version. */
  details(
    reads: readonly { workspaceId: string; id: string; version?: number | undefined }[],
  ): Promise<DetailsIfChanged[]>;
  /** Each job's row alone. */
  jobs(reads: readonly { workspaceId: string; id: string }[]): Promise<(JobRow | undefined)[]>;
  /** The token of each prefix. */
  tokens(prefixes: readonly string[]): Promise<(Selectable<ApiTokensTable> | undefined)[]>;
}

/** Reads of the event log that differ: how batch rows expand, and which transactions are settled. */
export interface EventDialect {
  /** Batch rows of the log, expanded into one row per job. */
  readonly expansion: Expansion;
  /** A condition on `e` keeping only events whose order is settled (nothing can commit before them). */
  readonly settled: RawBuilder<unknown>;
  /** The tx below which a workspace's events are settled; undefined when every committed event is. */
  feedBound(db: Executor, workspaceId: string): Promise<number | undefined>;
  /** Are there events at or after `tx` whose order is not settled yet? */
  hasUnsettled(db: Executor, tx: number): Promise<boolean>;
  /** A job's events after `afterSeq`, its batch rows expanded. */
  jobEventRows(
    db: Executor,
    jobId: string,
    afterSeq: number,
    order: 'asc' | 'desc',
    limit: number,
  ): Promise<EventRow[]>;
  /** Every event of these jobs by job and seq (TextKing's callbacks compute states from them). */
  historyOfJobs(
    db: Executor,
    jobIds: string[],
  ): Promise<{ job_id: string; seq: number; name: string; data: unknown }[]>;
  /** Appends an event the triggers cannot derive, in the caller's transaction. */
  append(db: Executor, e: NewEvent): Promise<void>;
  /** Deletes batch rows whose jobs are all gone, created before `createdBefore`; returns how many. */
  expireBatches(db: Executor, createdBefore: number, limit: number): Promise<number>;
}

export interface Dialect {
  /** The database's name: the folder of its migrations, and what /readyz reports. */
  readonly name: 'sqlite' | 'postgres';
  readonly raw: RawHandle;
  readonly events: EventDialect;
  /**
   * Statements that read for many requests at once (store/read-batches.ts), where each statement is
   * a round trip to a server; absent where a read costs the same alone as within a batch (SQLite reads
   * synchronously on its own connection, and a request is spared a promise and a turn of the loop).
   */
  readonly manyReads?: ManyReads | undefined;

  /**
   * Locks the rows `q` selects for this transaction and skips those another transaction holds, where
   * several writers share the tables (PostgreSQL's FOR UPDATE SKIP LOCKED). SQLite's writer holds the
   * whole database, so the query is left as it is.
   */
  lockSkippingHeld<DB, TB extends keyof DB, O>(
    q: SelectQueryBuilder<DB, TB, O>,
    of?: TB & string,
  ): SelectQueryBuilder<DB, TB, O>;
  /**
   * Holds `key` until the transaction of `db` ends: another transaction holding the same key waits
   * (PostgreSQL's advisory lock; on SQLite the transaction takes the one write lock at once).
   */
  lockKey(db: Executor, key: string): Promise<void>;
  /** Holds the rows `q` selects against change until the transaction ends (FOR SHARE where needed). */
  lockShared<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /** Locks the webhook dispatcher's cursor row, or returns undefined when another dispatcher holds it. */
  lockDispatchCursor(
    trx: Transaction<Database>,
  ): Promise<{ tx: number | string; event_id: number | string; event_k: number | string } | undefined>;
  /** The text of the top-level member `key` of the JSON column `column` (NULL when absent). */
  jsonMemberText(column: string, key: string): RawBuilder<string>;
  /** `expr` is one of `values` (one bound parameter whatever their number). */
  oneOf(expr: RawBuilder<unknown>, values: readonly string[], type: 'text' | 'uuid'): RawBuilder<boolean>;

  /** Applies the pending ones of `migrations` under a lock other migrators wait on; returns them. */
  applyMigrations(migrations: Migration[], createLedger: string): Promise<Migration[]>;

  /** Tells other processes (NOTIFY); a database of one process's wake-ups does nothing. */
  notify(channel: WakeupChannel, payload: string): void;
  /** Hears other processes' wake-ups; undefined when only this process can send them. */
  listen(heard: (channel: WakeupChannel, payload: string) => void, lost: () => void): Promise<Listener> | undefined;
  /** Calls `listener` for each event the database's triggers announce inside this process. */
  onEventAdded(listener: (jobId: string, workspaceId: string) => void): void;
  /** Announces events appended here to this process's listeners (what the triggers leave out). */
  eventsAdded(rows: readonly { id: string; workspace_id: string }[]): void;
  /**
   * Tells followers of the workspace feed that jobs were created, for what the insert's trigger left
   * unsaid: `handedOver` jobs were inserted claimed by a worker of this process.
   */
  jobsCreated(workspaceId: string, handedOver: boolean, local: (workspaceId: string) => void): void;

  /** A job with its attempts and files, in one statement. */
  jobDetails(workspaceId: string, id: string): Promise<DetailsRow | undefined>;
  /** The same, or 'unchanged' when the job is still at `version`. */
  jobDetailsIfChanged(workspaceId: string, id: string, version: number): Promise<DetailsIfChanged>;

  /**
   * Reserves numbers for machine jobs of one project (or of none) and inserts them, claimed by
   * `claim`'s worker for the jobs it names, in one transaction; returns the first number, or
   * undefined (nothing inserted) when the project does not exist in the workspace.
   */
  insertNumberedJobs(
    workspaceId: string,
    projectId: string | null,
    jobs: NewJobRow[],
    claim: InsertClaim | undefined,
  ): Promise<number | undefined>;
  /** Inserts machine jobs, numbered already, in the caller's transaction. */
  insertMachineJobs(db: Executor, jobs: NewJobRow[]): Promise<void>;

  /** Claims runnable jobs of types without flow control (see queue/claim.ts), with their job.running events. */
  claim(o: ClaimOptions): Promise<ClaimedRow[]>;
  /** Claims runnable jobs of types with flow control within their limits (queue/flow-claim.ts). */
  claimLimited(o: ClaimOptions): Promise<ClaimedRow[]>;
  /**
   * Marks the jobs running under `workerId`'s lease succeeded, with their events and attempts, and
   * lets the jobs waiting on them run, in one transaction; returns the jobs it changed (`done`, the
   * others were cancelled or reaped meanwhile) and how many dependents became runnable.
   */
  complete(workerId: string, batch: Completion[], now: number): Promise<{ done: string[]; released: number }>;
  /** Inserts attempt rows (a retried write of the same attempt is ignored). */
  recordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void>;
}

/** The dialect of each Kysely instance (its adapter is shared by its transactions). */
const dialects = new WeakMap<DialectAdapter, Dialect>();

export function registerDialect(adapter: DialectAdapter, dialect: Dialect): void {
  dialects.set(adapter, dialect);
}

/** The dialect of the database `db` (a Kysely instance or one of its transactions) talks to. */
export function dialectOf(db: Executor): Dialect {
  const dialect = dialects.get(db.getExecutor().adapter);
  if (dialect === undefined) throw new Error('This Kysely instance was not opened by openStore.');
  return dialect;
}
