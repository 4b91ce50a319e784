import { CompiledQuery, type Kysely } from 'kysely';
import { TRANSITIONS } from '../../core/lifecycle.js';
import { repeatedTuples } from '../batch-sql.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import type { Database, JobAttemptsTable } from '../schema.js';
import { statusEventBatches, type StatusChangedRow } from '../status-event-batches.js';
import type { Executor } from '../store.js';
import type { Completion, RawHandle } from './dialect.js';
import { FLOW_LIMITS_CLAIM } from './flow-limits.js';

// The queue's statements on SQLite: one statement text per operation whatever the batch's size, its
// lists bound as JSON arrays or repeated tuples, and the status events as batch rows (migration 0025).

type SqliteRaw = Extract<RawHandle, { kind: 'sqlite' }>;
type ClaimedSqliteRow = ClaimedRow & StatusChangedRow;

/** Jobs per statement, well under SQLite's limit of bound parameters. */
const CHUNK = 500;

const { claim, complete } = TRANSITIONS;

// The claim in two statements of one transaction: CHOOSE reads the rowids of the next runnable jobs
// from the claim index, CLAIM takes them. SQLite runs the single UPDATE … WHERE rowid IN (SELECT …
// LIMIT ?) that did both clearly slower than these two halves, a cost paid by every claim whatever its
// size. The transaction's write lock keeps the chosen jobs from being taken in between.
const CHOOSE = `SELECT rowid FROM jobs
    WHERE status = '${claim.from[0]}' AND run_at <= ? AND type IN (SELECT value FROM json_each(?)) AND executor = 'worker'
      AND (status_reason IS NULL OR status_reason <> 'waiting')
    ORDER BY priority DESC, run_at, id
    LIMIT ?`;

// event_seq and claim_times: the claim writes its own job.running events (status-event-batches.ts).
export const CLAIM = `UPDATE jobs SET status = '${claim.to}', status_reason = 'claimed', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
    started_at = COALESCE(started_at, ?), attempt_started_at = ?, updated_at = ?, version = version + 1,
    event_seq = event_seq + 1, claim_times = COALESCE(claim_times || ',', '') || ?
  WHERE rowid IN (SELECT value FROM json_each(?)) AND status = '${claim.from[0]}'
  RETURNING id, workspace_id, project_id, type, input, attempts, max_attempts, timeout_ms, event_seq, error`;

/**
 * The types among `types` whose flow control (in the workspace, or in any) does not limit the claim
 * (core/flow.ts limitsClaim): what the plain claim takes. A type with only deduplication settings is one.
 */
const FREE_TYPES = `SELECT value FROM json_each(?) AS t
  WHERE NOT EXISTS (SELECT 1 FROM job_type_flow f WHERE f.type = t.value AND (? IS NULL OR f.workspace_id IN (?, ''))
    AND ${FLOW_LIMITS_CLAIM})`;

// The same choice limited to one workspace. Built from CHOOSE so the two cannot drift; should its text
// change so that the condition no longer fits, this fails at load rather than claim across workspaces.
// The unary `+` keeps SQLite from answering the workspace condition with an index on workspace_id and
// status: that reads every pending job of the workspace and sorts them all for each claim, a cost that
// grows with the backlog, where the claim index gives the next jobs in order (PostgreSQL's function
// gets the same plan from enable_sort = off, migration 0026).
export const CHOOSE_IN_WORKSPACE = inWorkspace(CHOOSE);

function inWorkspace(text: string): string {
  const anchor = "AND executor = 'worker'";
  if (text.split(anchor).length !== 2) throw new Error("The SQLite claim's choice has no single executor condition.");
  return text.replace(anchor, `${anchor} AND +workspace_id = ?`);
}

/**
 * The claim: one statement and the job.running events in one transaction, run synchronously on the
 * connection. It commits without waiting for the disk, like PostgreSQL's (migration 0014): the WAL is
 * written in order, so a power loss can only take the newest commits, and a lost claim is a job that
 * is pending again; the next durable commit flushes it. better-sqlite3 blocks the process while it
 * waits for the disk, so the flush of every claim was work time lost. The candidates are chosen by
 * rowid, which the claim index holds, so each is updated without a second lookup by its text id.
 * Work done by people is never a worker's, whatever its type is called.
 */
export function sqliteClaim(raw: SqliteRaw, inWorkspace: boolean): (o: ClaimOptions) => ClaimedSqliteRow[] {
  const inTransaction = raw.db.transaction((o: ClaimOptions) => {
    // Types whose flow control limits the claim are the limited claim's (sqlite-flow.ts).
    const free = raw
      .prepare(FREE_TYPES)
      .pluck()
      .all(JSON.stringify(o.types), o.workspaceId ?? null, o.workspaceId ?? null) as string[];
    if (free.length === 0) return [];
    const chosen = raw
      .prepare(inWorkspace ? CHOOSE_IN_WORKSPACE : CHOOSE)
      .pluck()
      .all(o.now, JSON.stringify(free), ...(inWorkspace ? [o.workspaceId] : []), o.limit) as number[];
    if (chosen.length === 0) return [];
    const rows = raw
      .prepare(CLAIM)
      .all(o.workerId, o.now + o.leaseMs, o.now, o.now, o.now, o.now, JSON.stringify(chosen)) as ClaimedSqliteRow[];
    const events = statusEventBatches(rows, {
      status: claim.to,
      statusReason: 'claimed',
      previousStatus: claim.from[0]!,
      actor: o.workerId,
      at: o.now,
    });
    for (const e of events) raw.prepare(e.text).run(e.values);
    return rows;
  });
  return (o) => {
    raw.prepare('PRAGMA synchronous = NORMAL').run();
    try {
      return inTransaction.immediate(o);
    } finally {
      raw.prepare('PRAGMA synchronous = FULL').run();
    }
  };
}

/** Statement texts by batch size (see repeatedTuples). */
const attemptsSql = new Map<number, string>();
const completeSql = new Map<number, string>();

export async function sqliteRecordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
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
}

/**
 * The completion: one UPDATE … FROM (VALUES …) per chunk rather than one statement per job, writing
 * each succeeded attempt into its job's row (migration 0033), the job.succeeded events as batch rows
 * (a job's timeline finds them by its completed_at), and the release of dependents, in one
 * transaction. Returns the rows it changed.
 */
export async function sqliteComplete(
  kysely: Kysely<Database>,
  batch: Completion[],
  now: number,
): Promise<{ succeeded: StatusChangedRow[]; released: number }> {
  return kysely.transaction().execute(async (trx) => {
    const succeeded: StatusChangedRow[] = [];
    for (let i = 0; i < batch.length; i += CHUNK) {
      const chunk = batch.slice(i, i + CHUNK);
      const text = repeatedTuples(
        completeSql,
        chunk.length,
        4,
        (tuples) =>
          `WITH v(id, output, owner, started_at) AS (VALUES ${tuples})
        UPDATE jobs SET status = '${complete.to}', status_reason = 'completed', output = v.output, error = NULL, progress = 100,
          completed_at = ?, updated_at = ?, version = jobs.version + 1, lease_owner = NULL, lease_expires_at = NULL,
          succeeded_by = v.owner, attempt_started_at = v.started_at, event_seq = jobs.event_seq + 1
        FROM v
        WHERE jobs.id = v.id AND jobs.lease_owner = v.owner AND jobs.status = '${complete.from[0]}'
        RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.attempts, jobs.event_seq, NULL AS error`,
      );
      const values: unknown[] = [];
      for (const b of chunk)
        values.push(b.attempt.job_id, JSON.stringify(b.output ?? null), b.attempt.worker, b.attempt.started_at);
      values.push(now, now);
      const result = await trx.executeQuery<StatusChangedRow>(CompiledQuery.raw(text, values));
      for (const e of statusEventBatches(result.rows, {
        status: complete.to,
        statusReason: 'completed',
        previousStatus: complete.from[0]!,
        actor: null,
        at: now,
      })) {
        await trx.executeQuery(CompiledQuery.raw(e.text, e.values));
      }
      succeeded.push(...result.rows);
    }
    if (succeeded.length === 0) return { succeeded, released: 0 };
    const finished = new Set(succeeded.map((r) => r.id));
    const released = await trx.executeQuery(
      CompiledQuery.raw(RELEASE_DEPENDENTS, [now, JSON.stringify([...finished])]),
    );
    return { succeeded, released: Number(released.numAffectedRows ?? 0) };
  });
}

// Jobs waiting on the succeeded ones become runnable once nothing else holds them back. One statement
// text whatever the batch's size, its ids bound as one JSON array: built through the query builder,
// the list of up to 500 ids cost more than running the statement.
const RELEASE_DEPENDENTS = `UPDATE jobs SET status_reason = 'queued', updated_at = ?, version = version + 1
  WHERE status = 'pending' AND status_reason = 'waiting'
    AND id IN (SELECT job_id FROM job_dependencies WHERE depends_on_id IN (SELECT value FROM json_each(?)))
    AND NOT EXISTS (SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id WHERE d.job_id = jobs.id AND p.status <> 'succeeded')`;
