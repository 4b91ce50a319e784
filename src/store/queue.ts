import { CompiledQuery, PostgresAdapter } from 'kysely';
import pg from 'pg';
import type { ClaimedJob, Job, JobError } from '../core/job.js';
import { toJob, type JobRow } from './jobs.js';
import { repeatedTuples } from './batch-sql.js';
import { pgArray } from './pg-arrays.js';
import { parseJson, type JobAttemptsTable } from './schema.js';
import { statusEventBatches, type StatusChangedRow } from './status-event-batches.js';
import type { Executor, Store } from './store.js';

// The engine's queries. Every write is guarded by `lease_owner`: a worker whose lease was reaped
// (it stalled, the job went back to the queue) can no longer change the job, so a job is finished
// by exactly one attempt.

export interface ClaimOptions {
  workerId: string;
  types: string[];
  limit: number;
  leaseMs: number;
  now: number;
  /** Only jobs of this workspace (a remote worker's claim, src/services/worker-claims.ts); any when absent. */
  workspaceId?: string | undefined;
}

/**
 * Takes up to `limit` runnable jobs: best priority first, then oldest. PostgreSQL skips rows other
 * workers are locking (FOR UPDATE SKIP LOCKED), so many workers never queue behind each other; on
 * SQLite the claim's transaction holds the database's one write lock.
 */
export async function claimJobs(store: Store, o: ClaimOptions): Promise<ClaimedJob[]> {
  if (o.types.length === 0 || o.limit <= 0) return [];
  if (store.raw.kind === 'postgres') return claimJobsPostgres(store.raw.pool, o);
  // The claim commits without waiting for the disk, like PostgreSQL's (migration 0014): the WAL is
  // written in order, so a power loss can only take the newest commits, and a lost claim is a job that
  // is pending again. The next durable commit (a completion, a new job) flushes the claims before it.
  // better-sqlite3 blocks the process while it waits for the disk, so the flush of every claim was
  // work time lost. The claim runs synchronously on the connection (nothing else can commit while
  // durability is relaxed); inside a Kysely transaction it waits for Kysely to lend the connection.
  const raw = store.raw;
  const claim = sqliteClaim(raw, o.workspaceId !== undefined);
  const rows = raw.db.inTransaction ? await store.db.connection().execute(async () => claim(o)) : claim(o);
  // The trigger announced each event from inside the statement; the batch rows are announced here.
  for (const r of rows) store.sqliteEvents.emit('event', r.id, r.workspace_id);
  return rows.map(toClaimedJob);
}

type SqliteRaw = Extract<Store['raw'], { kind: 'sqlite' }>;
const sqliteClaims = new WeakMap<SqliteRaw, (o: ClaimOptions) => ClaimedSqliteRow[]>();
const sqliteWorkspaceClaims = new WeakMap<SqliteRaw, (o: ClaimOptions) => ClaimedSqliteRow[]>();

/**
 * The SQLite claim: one statement text, its types bound as one JSON array, and the job.running events
 * as batch rows (migration 0025), in one transaction. The candidates are chosen by rowid, which the
 * claim index holds, so each is updated without a second lookup by its text id. Work done by people is
 * never a worker's, whatever its type is called.
 */
function sqliteClaim(raw: SqliteRaw, inWorkspace: boolean): (o: ClaimOptions) => ClaimedSqliteRow[] {
  const cache = inWorkspace ? sqliteWorkspaceClaims : sqliteClaims;
  let claim = cache.get(raw);
  if (claim === undefined) {
    const inTransaction = raw.db.transaction((o: ClaimOptions) => {
      const values = [
        o.workerId,
        o.now + o.leaseMs,
        o.now,
        o.now,
        o.now,
        o.now,
        o.now,
        JSON.stringify(o.types),
        ...(inWorkspace ? [o.workspaceId] : []),
        o.limit,
      ];
      const rows = raw
        .prepare(inWorkspace ? CLAIM_IN_WORKSPACE_SQLITE : CLAIM_SQLITE)
        .all(...values) as ClaimedSqliteRow[];
      const events = statusEventBatches(rows, {
        status: 'running',
        statusReason: 'claimed',
        previousStatus: 'pending',
        actor: o.workerId,
        at: o.now,
      });
      for (const e of events) raw.prepare(e.text).run(e.values);
      return rows;
    });
    claim = (o) => {
      raw.prepare('PRAGMA synchronous = NORMAL').run();
      try {
        return inTransaction.immediate(o);
      } finally {
        raw.prepare('PRAGMA synchronous = FULL').run();
      }
    };
    cache.set(raw, claim);
  }
  return claim;
}

/** The columns a claim reads back (ClaimedJob); the PostgreSQL function returns the same (migration 0015). */
const CLAIMED_COLUMNS = [
  'id',
  'workspace_id',
  'project_id',
  'type',
  'input',
  'attempts',
  'max_attempts',
  'timeout_ms',
] as const;
type ClaimedRow = Pick<JobRow, (typeof CLAIMED_COLUMNS)[number]>;
type ClaimedSqliteRow = ClaimedRow & StatusChangedRow;

// event_seq and claim_times: the claim writes its own job.running events (status-event-batches.ts).
const CLAIM_SQLITE = `UPDATE jobs SET status = 'running', status_reason = 'claimed', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
    started_at = COALESCE(started_at, ?), attempt_started_at = ?, updated_at = ?, version = version + 1,
    event_seq = event_seq + 1, claim_times = COALESCE(claim_times || ',', '') || ?
  WHERE rowid IN (
    SELECT rowid FROM jobs
    WHERE status = 'pending' AND run_at <= ? AND type IN (SELECT value FROM json_each(?)) AND executor = 'worker'
      AND (status_reason IS NULL OR status_reason <> 'waiting')
    ORDER BY priority DESC, run_at, id
    LIMIT ?)
    AND status = 'pending'
  RETURNING ${CLAIMED_COLUMNS.join(', ')}, event_seq, error`;

// The same claim limited to one workspace. Built from CLAIM_SQLITE so the two cannot drift; should its
// text change so that the condition no longer fits, this fails at load rather than claim across workspaces.
const CLAIM_IN_WORKSPACE_SQLITE = inWorkspace(CLAIM_SQLITE);

function inWorkspace(claim: string): string {
  const anchor = "AND executor = 'worker'";
  if (claim.split(anchor).length !== 2) throw new Error('The SQLite claim has no single executor condition.');
  return claim.replace(anchor, `${anchor} AND workspace_id = ?`);
}

function toClaimedJob(row: ClaimedRow): ClaimedJob {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    type: row.type,
    input: parseJson(row.input),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
  };
}

/**
 * The PostgreSQL claim: one call of jobline_claim (migrations 0014, 0015), a named prepared statement,
 * so the query inside is planned once per connection; the function holds the planner setting and the
 * plan shape the claim needs (see there).
 */
async function claimJobsPostgres(pool: pg.Pool, o: ClaimOptions): Promise<ClaimedJob[]> {
  if (o.workspaceId !== undefined) {
    const inWorkspace = await pool.query<ClaimedRow>({
      name: 'jobline_claim_in_workspace',
      text: 'SELECT * FROM jobline_claim_in_workspace($1::text, $2::text[], $3::int, $4::text, $5::bigint, $6::bigint)',
      values: [o.workspaceId, o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
    });
    return inWorkspace.rows.map(toClaimedJob);
  }
  const result = await pool.query<ClaimedRow>({
    name: 'jobline_claim',
    text: 'SELECT * FROM jobline_claim($1::text[], $2::int, $3::text, $4::bigint, $5::bigint)',
    values: [o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
  });
  return result.rows.map(toClaimedJob);
}

/** Extends the leases of the jobs this worker holds; returns each still-held job's status. */
export async function renewLeases(
  store: Store,
  workerId: string,
  ids: string[],
  leaseMs: number,
  now: number,
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await store.db
    .updateTable('jobs')
    .set({ lease_expires_at: now + leaseMs })
    .where('lease_owner', '=', workerId)
    .where('id', 'in', ids)
    .returning(['id', 'status'])
    .execute();
  return new Map(rows.map((r) => [r.id, r.status]));
}

/**
 * The ids among these jobs held by this worker whose cancellation was requested. Looked up by id (the
 * worker knows what it holds), so the check costs the same however many jobs the table keeps.
 */
export async function cancellingHeldBy(store: Store, workerId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await store.db
    .selectFrom('jobs')
    .select('id')
    .where('id', 'in', ids)
    .where('lease_owner', '=', workerId)
    .where('status', '=', 'cancelling')
    .execute();
  return rows.map((r) => r.id);
}

export async function reportProgress(
  store: Store,
  workerId: string,
  id: string,
  percent: number,
  message: string | null,
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('jobs')
    .set((eb) => ({ progress: percent, progress_message: message, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface Attempt {
  jobId: string;
  number: number;
  startedAt: number;
  outcome: JobAttemptsTable['outcome'];
  error?: { message: string; code?: string | undefined; stack?: string | undefined } | undefined;
}

const STACK_LIMIT = 4000;

/** Error text comes from handlers; NUL and lone surrogates (which PostgreSQL refuses) become U+FFFD. */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
/** Jobs per statement on SQLite, well under its limit of bound parameters. */
const SQLITE_CHUNK = 500;

function attemptRow(a: Attempt, workerId: string | null, now: number): JobAttemptsTable {
  return {
    job_id: a.jobId,
    number: a.number,
    worker: workerId,
    started_at: a.startedAt,
    finished_at: now,
    outcome: a.outcome,
    error_message: a.error === undefined ? null : storableText(a.error.message.slice(0, 2000)),
    error_code: a.error?.code ?? null,
    error_stack: a.error?.stack === undefined ? null : storableText(a.error.stack.slice(0, STACK_LIMIT)),
  };
}

/** Statement texts by batch size (see repeatedTuples). */
const attemptsSql = new Map<number, string>();
const completeSql = new Map<number, string>();

async function recordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
  if (rows.length === 0) return;
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (let i = 0; i < rows.length; i += SQLITE_CHUNK) {
      const chunk = rows.slice(i, i + SQLITE_CHUNK);
      const text = repeatedTuples(
        attemptsSql,
        chunk.length,
        9,
        (tuples) =>
          `INSERT INTO job_attempts (job_id, number, worker, started_at, finished_at, outcome, error_message, error_code, error_stack) VALUES ${tuples}
         ON CONFLICT (job_id, started_at, number) DO NOTHING`,
      );
      const values: unknown[] = [];
      for (const r of chunk)
        values.push(
          r.job_id,
          r.number,
          r.worker,
          r.started_at,
          r.finished_at,
          r.outcome,
          r.error_message,
          r.error_code,
          r.error_stack,
        );
      await db.executeQuery(CompiledQuery.raw(text, values));
    }
    return;
  }
  await db
    .insertInto('job_attempts')
    .values(rows)
    .onConflict((oc) => oc.columns(['job_id', 'started_at', 'number']).doNothing())
    .execute();
}

export interface Success {
  attempt: Attempt;
  output: unknown;
}

/**
 * The PostgreSQL completion: one statement, so one round trip and one commit. The update joins the
 * unnested array rather than the CTE `v`, whose row count the planner cannot see: without statistics
 * it then took "this worker's running jobs" for one row and scanned the table for them. With the
 * array's size known it probes the primary key for batches of 100; for 250 it was still seen to
 * prefer a scan on a young table (a join-free variant was no faster, so it was not kept).
 * The update, the attempt rows and the release of dependents are data-modifying CTEs; they all see the snapshot from before
 * the statement, so the dependency check counts the jobs finished here as succeeded explicitly. It is
 * a named prepared statement (planned once per connection) and returns only ids, so a column added to
 * `jobs` later cannot change its result type.
 */
const COMPLETE_JOBS_SQL = `
WITH v AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS v(id, output, number, started_at, outcome, error_message, error_code, error_stack)
), done AS (
  UPDATE jobs AS j SET status = 'succeeded', status_reason = 'completed', output = v.output::jsonb, error = NULL,
    progress = 100, completed_at = $9::bigint, updated_at = $9::bigint, version = j.version + 1,
    lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($1::uuid[], $2::text[]) AS v(id, output)
  WHERE j.id = v.id AND j.lease_owner = $10::text AND j.status = 'running'
  RETURNING j.id
), attempts AS (
  INSERT INTO job_attempts (job_id, number, worker, started_at, finished_at, outcome, error_message, error_code, error_stack)
  SELECT v.id, v.number, $10::text, v.started_at, $9::bigint, v.outcome, v.error_message, v.error_code, v.error_stack
  FROM v JOIN done ON done.id = v.id
  ON CONFLICT (job_id, started_at, number) DO NOTHING
), released AS (
  -- The first condition does not depend on the row: PostgreSQL checks it once, so a batch without
  -- dependents (the usual case) skips this update altogether.
  UPDATE jobs AS c SET status_reason = 'queued', updated_at = $9::bigint, version = c.version + 1
  WHERE EXISTS (SELECT 1 FROM job_dependencies d WHERE d.depends_on_id = ANY (ARRAY(SELECT id FROM done)))
    AND c.id = ANY (ARRAY(SELECT d.job_id FROM job_dependencies d WHERE d.depends_on_id = ANY (ARRAY(SELECT id FROM done))))
    AND c.status = 'pending' AND c.status_reason = 'waiting'
    AND NOT EXISTS (
      SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
      WHERE d.job_id = c.id AND p.status <> 'succeeded' AND p.id <> ALL (ARRAY(SELECT id FROM done)))
  RETURNING c.id
)
SELECT id, false AS released FROM done
UNION ALL
SELECT id, true AS released FROM released`;

/**
 * Marks a batch of jobs succeeded at once (batching finishes is what lets a database queue go fast:
 * one commit for many jobs), records their attempts and lets the jobs waiting on them run. `done` are
 * the ids that were still running under this worker's lease; the others were cancelled or reaped
 * meanwhile and are left alone. `released` counts the dependent jobs that became runnable.
 */
export async function completeJobs(
  store: Store,
  workerId: string,
  batch: Success[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  if (batch.length === 0) return { done: [], released: 0 };
  if (store.raw.kind === 'postgres') {
    const rows = batch.map((b) => attemptRow(b.attempt, workerId, now));
    const result = await store.raw.pool.query<{ id: string; released: boolean }>({
      name: 'jobline_complete_jobs',
      text: COMPLETE_JOBS_SQL,
      values: [
        pgArray(rows.map((r) => r.job_id)),
        pgArray(batch.map((b) => JSON.stringify(b.output ?? null))),
        pgArray(rows.map((r) => r.number)),
        pgArray(rows.map((r) => r.started_at)),
        pgArray(rows.map((r) => r.outcome)),
        pgArray(rows.map((r) => r.error_message)),
        pgArray(rows.map((r) => r.error_code)),
        pgArray(rows.map((r) => r.error_stack)),
        now,
        workerId,
      ],
    });
    return {
      done: result.rows.filter((r) => !r.released).map((r) => r.id),
      released: result.rows.filter((r) => r.released).length,
    };
  }
  // SQLite: one UPDATE … FROM (VALUES …) per chunk rather than one statement per job, its text built
  // once per chunk size (see repeatedTuples).
  const succeeded: StatusChangedRow[] = [];
  const result = await store.transaction(async (trx) => {
    for (let i = 0; i < batch.length; i += SQLITE_CHUNK) {
      const chunk = batch.slice(i, i + SQLITE_CHUNK);
      const text = repeatedTuples(
        completeSql,
        chunk.length,
        2,
        (tuples) =>
          `WITH v(id, output) AS (VALUES ${tuples})
        UPDATE jobs SET status = 'succeeded', status_reason = 'completed', output = v.output, error = NULL, progress = 100,
          completed_at = ?, updated_at = ?, version = jobs.version + 1, lease_owner = NULL, lease_expires_at = NULL,
          event_seq = jobs.event_seq + 1
        FROM v
        WHERE jobs.id = v.id AND jobs.lease_owner = ? AND jobs.status = 'running'
        RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.attempts, jobs.event_seq, NULL AS error`,
      );
      const values: unknown[] = [];
      for (const b of chunk) values.push(b.attempt.jobId, JSON.stringify(b.output ?? null));
      values.push(now, now, workerId);
      const result = await trx.executeQuery<StatusChangedRow>(CompiledQuery.raw(text, values));
      // The job.succeeded events (migration 0025): a job's timeline finds them by its completed_at.
      for (const e of statusEventBatches(result.rows, {
        status: 'succeeded',
        statusReason: 'completed',
        previousStatus: 'running',
        actor: null,
        at: now,
      })) {
        await trx.executeQuery(CompiledQuery.raw(e.text, e.values));
      }
      succeeded.push(...result.rows);
    }
    const done = succeeded.map((r) => r.id);
    const finished = new Set(done);
    await recordAttempts(
      trx,
      batch.filter((b) => finished.has(b.attempt.jobId)).map((b) => attemptRow(b.attempt, workerId, now)),
    );
    const released = await releaseDependents(trx, done, now);
    return { done, released };
  });
  for (const r of succeeded) store.sqliteEvents.emit('event', r.id, r.workspace_id);
  return result;
}

export interface Failure {
  attempt: Attempt;
  /** When to try again; undefined when the job has failed for good. */
  retryAt: number | undefined;
  exhausted: boolean;
}

/** Records a failed attempt: back to pending for a retry, or failed for good. False if the lease was lost. */
export async function failJob(store: Store, workerId: string, f: Failure, now: number): Promise<boolean> {
  const error: JobError = {
    message: storableText(f.attempt.error?.message ?? 'failed'),
    ...(f.attempt.error?.code !== undefined ? { code: f.attempt.error.code } : {}),
  };
  const lost = new Error('lease lost');
  return store
    .transaction(async (trx) => {
      const retry = f.retryAt !== undefined;
      // The attempt first, so the timeline reads "attempt failed" before the status it led to; a lost
      // lease rolls both back.
      await recordAttempts(trx, [attemptRow(f.attempt, workerId, now)]);
      const r = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: retry ? 'pending' : 'failed',
          status_reason: retry ? 'retrying' : f.exhausted ? 'attempts_exhausted' : 'failed',
          error: JSON.stringify(error),
          run_at: retry ? f.retryAt! : eb.ref('run_at'),
          completed_at: retry ? null : now,
          updated_at: now,
          version: eb('version', '+', 1),
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where('id', '=', f.attempt.jobId)
        .where('lease_owner', '=', workerId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw lost;
      if (!retry) await failDependents(trx, [f.attempt.jobId], now);
      return true;
    })
    .catch((error: unknown) => {
      if (error === lost) return false;
      throw error;
    });
}

/** Ends a job whose cancellation was requested once its handler has stopped. */
export async function confirmCancelled(
  store: Store,
  workerId: string,
  attempt: Attempt,
  now: number,
): Promise<boolean> {
  return store.transaction(async (trx) => {
    const r = await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: 'cancelled',
        status_reason: 'cancelled_by_client',
        completed_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('id', '=', attempt.jobId)
      .where('lease_owner', '=', workerId)
      .where('status', '=', 'cancelling')
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await recordAttempts(trx, [attemptRow(attempt, workerId, now)]);
    await failDependents(trx, [attempt.jobId], now);
    return true;
  });
}

/**
 * Gives jobs back when a worker shuts down before their handlers finished: the interrupted attempt
 * is not counted against the job, and a job whose cancel was requested ends cancelled.
 */
export async function releaseJobs(store: Store, workerId: string, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await store.transaction(async (trx) => {
    await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: 'pending',
        status_reason: 'queued',
        attempts: eb('attempts', '-', 1),
        run_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('lease_owner', '=', workerId)
      .where('id', 'in', ids)
      .where('status', '=', 'running')
      .execute();
    const cancelled = await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: 'cancelled',
        status_reason: 'cancelled_by_client',
        completed_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('lease_owner', '=', workerId)
      .where('id', 'in', ids)
      .where('status', '=', 'cancelling')
      .returning('id')
      .execute();
    await failDependents(
      trx,
      cancelled.map((r) => r.id),
      now,
    );
  });
}

/**
 * Returns the jobs of workers that stopped renewing their leases (crashed, killed, frozen) to the
 * queue. The lost attempt counts: it is recorded, and a job out of attempts fails; a job whose cancel
 * was requested ends cancelled. Safe to run from every worker at once.
 */
export async function reapExpiredLeases(
  store: Store,
  now: number,
  limit = 500,
): Promise<{ requeued: number; failed: number; cancelled: number }> {
  return store.transaction(async (trx) => {
    let q = trx
      .selectFrom('jobs')
      .select(['id', 'status', 'attempts', 'max_attempts', 'lease_owner', 'attempt_started_at'])
      .where('lease_owner', 'is not', null)
      .where('lease_expires_at', '<', now)
      .limit(limit);
    if (store.capabilities.skipLocked) q = q.forUpdate().skipLocked();
    const expired = await q.execute();
    const counts = { requeued: 0, failed: 0, cancelled: 0 };
    const ended: string[] = [];
    const message = 'The worker stopped renewing its lease (it crashed, was killed or froze).';
    for (const job of expired) {
      const cancelled = job.status === 'cancelling';
      const exhausted = job.attempts >= job.max_attempts;
      const to = cancelled ? 'cancelled' : exhausted ? 'failed' : 'pending';
      // The row is locked (PostgreSQL) or the database is (SQLite), so the update below will match:
      // record the attempt first, so the timeline reads "attempt failed" before the status it led to.
      await recordAttempts(trx, [
        {
          job_id: job.id,
          number: job.attempts,
          worker: job.lease_owner,
          started_at: job.attempt_started_at ?? now,
          finished_at: now,
          outcome: 'lease_expired',
          error_message: message,
          error_code: 'lease_expired',
          error_stack: null,
        },
      ]);
      const r = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: to,
          status_reason: cancelled ? 'cancelled_by_client' : exhausted ? 'attempts_exhausted' : 'lease_expired',
          ...(cancelled ? {} : { error: JSON.stringify({ message, code: 'lease_expired' }) }),
          run_at: to === 'pending' ? now : eb.ref('run_at'),
          completed_at: to === 'pending' ? null : now,
          updated_at: now,
          version: eb('version', '+', 1),
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where('id', '=', job.id)
        .where('lease_owner', '=', job.lease_owner)
        .where('lease_expires_at', '<', now)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) continue;
      if (to === 'pending') counts.requeued++;
      else {
        counts[to === 'failed' ? 'failed' : 'cancelled']++;
        ended.push(job.id);
      }
    }
    await failDependents(trx, ended, now);
    return counts;
  });
}

/**
 * SQLite: jobs waiting on these (now succeeded) jobs become runnable once nothing else holds them back
 * (PostgreSQL's completion does the same in its one statement). Returns how many did. One statement
 * text whatever the batch's size, its ids bound as one JSON array: built through the query builder, the
 * list of up to 500 ids cost more than running the statement.
 */
async function releaseDependents(db: Executor, succeeded: string[], now: number): Promise<number> {
  if (succeeded.length === 0) return 0;
  const result = await db.executeQuery(CompiledQuery.raw(RELEASE_DEPENDENTS_SQLITE, [now, JSON.stringify(succeeded)]));
  return Number(result.numAffectedRows ?? 0);
}

const RELEASE_DEPENDENTS_SQLITE = `UPDATE jobs SET status_reason = 'queued', updated_at = ?, version = version + 1
  WHERE status = 'pending' AND status_reason = 'waiting'
    AND id IN (SELECT job_id FROM job_dependencies WHERE depends_on_id IN (SELECT value FROM json_each(?)))
    AND NOT EXISTS (SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id WHERE d.job_id = jobs.id AND p.status <> 'succeeded')`;

/** Jobs waiting on a job that failed or was cancelled fail too, naming it; and so on down the chain. */
export async function failDependents(db: Executor, ended: string[], now: number): Promise<void> {
  let frontier = ended;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      const rows = await db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'failed',
          status_reason: 'dependency_failed',
          error: JSON.stringify({
            message: `Job ${id}, which this job depends on, did not succeed.`,
            code: 'dependency_failed',
            dependency_id: id,
          }),
          completed_at: now,
          updated_at: now,
          version: eb('version', '+', 1),
        }))
        .where('status', '=', 'pending')
        .where('id', 'in', (eb) => eb.selectFrom('job_dependencies').select('job_id').where('depends_on_id', '=', id))
        .returning('id')
        .execute();
      next.push(...rows.map((r) => r.id));
    }
    frontier = next;
  }
}

export async function listAttempts(db: Executor, jobId: string): Promise<JobAttemptsTable[]> {
  return db
    .selectFrom('job_attempts')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('started_at')
    .orderBy('number')
    .execute();
}

export type { JobRow };

/** Puts a failed or cancelled job back in the queue with a fresh set of attempts. */
export async function requeueJob(db: Executor, workspaceId: string, id: string, now: number): Promise<Job | undefined> {
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'pending',
      status_reason: 'queued',
      attempts: 0,
      error: null,
      output: null,
      progress: 0,
      progress_message: null,
      run_at: now,
      completed_at: null,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', ['failed', 'cancelled'])
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}
