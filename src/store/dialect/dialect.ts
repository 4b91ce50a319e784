import type SQLite from 'better-sqlite3';
import type { DialectAdapter, RawBuilder, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type pg from 'pg';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import type { Expansion, NewEvent } from '../events.js';
import type { DetailsRow } from '../job-details.js';
import type { InsertClaim, NewJobRow, NumberedInsert } from '../job-inserts.js';
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
export type WakeupChannel = 'jobs' | 'cancel' | 'events' | 'handoff';

export interface Listener {
  close(): Promise<void>;
}

/** A finished attempt's row and the job's output, for a completion. */
/** A job to complete: its attempt's row names the lease owner (`worker`) that must still hold it. */
export interface Completion {
  attempt: JobAttemptsTable & { worker: string };
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

/**
 * A batch row's job list (job_events.job_ids: a uuid[] on PostgreSQL, a JSON array on SQLite): the
 * primitives the one expansion of batch rows (events.ts, event-timeline.ts) is written with.
 */
export interface JobLists {
  /** The elements of `list` as the table `u`, to follow a JOIN (u.value: a job id; see `k`). */
  elements(list: RawBuilder<unknown>): RawBuilder<unknown>;
  /** The index from 0 of the element `u` in its list: the expanded event's k. */
  readonly k: RawBuilder<number>;
  /** How many jobs `list` holds (NULL for NULL). */
  length(list: RawBuilder<unknown>): RawBuilder<number>;
  /** `list` holds `id`. */
  holds(list: RawBuilder<unknown>, id: RawBuilder<unknown>): RawBuilder<boolean>;
}

/** What differs in the event log: the list primitives, which transactions are settled, how events are appended. */
export interface EventDialect {
  readonly lists: JobLists;
  /** Batch rows of the log, expanded into one row per job (made by events.ts from `lists`). */
  readonly expansion: Expansion;
  /**
   * `time` is one at which a batch row holding an event of the job `j` (a row of jobs) was written:
   * its created_at, the time of one of its claims (jobs.claim_times), or its completed_at.
   */
  batchTimeOf(time: RawBuilder<unknown>, j: string): RawBuilder<boolean>;
  /** `job_events e`, read through the index of batch rows by time (job_events_batches). */
  readonly batchRows: RawBuilder<unknown>;
  /** The column that finds a row of job_events again (PostgreSQL's ctid, SQLite's rowid). */
  readonly rowKey: RawBuilder<unknown>;
  /** A condition on `e` keeping only events whose order is settled (nothing can commit before them). */
  readonly settled: RawBuilder<unknown>;
  /** The tx below which a workspace's events are settled; undefined when every committed event is. */
  feedBound(db: Executor, workspaceId: string): Promise<number | undefined>;
  /** Are there events at or after `tx` whose order is not settled yet? */
  hasUnsettled(db: Executor, tx: number): Promise<boolean>;
  /** Appends an event the triggers cannot derive, in the caller's transaction. */
  append(db: Executor, e: NewEvent): Promise<void>;
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
  /**
   * The numbered insert of runnable jobs tells other processes itself, at its commit (so a worker
   * elsewhere hears of a new job without a second round trip after it): no `jobs` notify is needed.
   */
  readonly insertsAnnounceJobs: boolean;
  /**
   * Hears other processes' wake-ups; undefined when only this process can send them. `lost` and
   * `regained` tell when the connection carrying them is lost and back.
   */
  listen(
    heard: (channel: WakeupChannel, payload: string) => void,
    lost: () => void,
    regained: () => void,
  ): Promise<Listener> | undefined;
  /** Calls `listener` for each event the database's triggers announce inside this process. */
  onEventAdded(listener: (jobId: string, workspaceId: string) => void): void;
  /** Announces events appended here to this process's listeners (what the triggers leave out). */
  eventsAdded(rows: readonly { id: string; workspace_id: string }[]): void;
  /**
   * Tells followers of the workspace feed that jobs were created, for what the insert itself left
   * unsaid: `handedOver` jobs were inserted claimed by a worker of this process.
   */
  jobsCreated(workspaceId: string, handedOver: boolean, local: (workspaceId: string) => void): void;

  /** A job with its attempts and files, in one statement. */
  jobDetails(workspaceId: string, id: string): Promise<DetailsRow | undefined>;
  /** The same, or 'unchanged' when the job is still at `version`. */
  jobDetailsIfChanged(workspaceId: string, id: string, version: number): Promise<DetailsIfChanged>;

  /**
   * Reserves numbers for jobs of one project (or of none) and inserts them, in the caller's
   * transaction `trx`, or else in one of their own where the jobs `claim` names are inserted claimed by
   * its worker; returns the first number (and the jobs a standing claim took, see standingClaims), or
   * undefined (nothing inserted) when the project does not exist in the workspace.
   */
  insertNumberedJobs(
    trx: Executor | undefined,
    workspaceId: string,
    projectId: string | null,
    jobs: NewJobRow[],
    claim: InsertClaim | undefined,
  ): Promise<NumberedInsert | undefined>;

  /**
   * Whether a worker can leave a standing claim (ClaimOptions.wait): new jobs of its types inserted by
   * any process are then inserted claimed by it and told to it on the `handoff` channel (migration
   * 0035). Only where other processes share the database and hear each other.
   */
  readonly standingClaims: boolean;
  /** Deletes the worker's standing claim (a worker stopping). */
  withdrawStandingClaim(workerId: string): Promise<void>;

  /**
   * Claims runnable jobs of types whose flow control, if any, does not limit the claim (see
   * queue/claim.ts), with their job.running events.
   */
  claim(o: ClaimOptions): Promise<ClaimedRow[]>;
  /** Claims runnable jobs of types whose flow control limits the claim, within the limits (queue/flow-claim.ts). */
  claimLimited(o: ClaimOptions): Promise<ClaimedRow[]>;
  /**
   * Marks the jobs running under `workerId`'s lease succeeded, with their events and attempts, and
   * lets the jobs waiting on them run, in one transaction; returns the jobs it changed (`done`, the
   * others were cancelled or reaped meanwhile) and how many dependents became runnable.
   */
  complete(batch: Completion[], now: number): Promise<{ done: string[]; released: number }>;
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
