import type pg from 'pg';
import { TRANSITIONS } from '../../core/lifecycle.js';
import { pgArray } from '../pg-arrays.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import type { JobAttemptsTable } from '../schema.js';
import type { Executor } from '../store.js';
import type { Completion } from './dialect.js';

// The queue's statements on PostgreSQL: named prepared statements (planned once per connection), each
// batch bound as one array per column.

/**
 * The claim: one call of jobline_claim (migrations 0014, 0015, 0026), which holds the planner setting
 * and the plan shape the claim needs (see there).
 */
export async function postgresClaim(pool: pg.Pool, o: ClaimOptions): Promise<ClaimedRow[]> {
  if (o.workspaceId !== undefined) {
    const inWorkspace = await pool.query<ClaimedRow>({
      name: 'jobline_claim_in_workspace',
      text: 'SELECT * FROM jobline_claim_in_workspace($1::text, $2::text[], $3::int, $4::text, $5::bigint, $6::bigint)',
      values: [o.workspaceId, o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
    });
    return inWorkspace.rows;
  }
  const result = await pool.query<ClaimedRow>({
    name: 'jobline_claim',
    text: 'SELECT * FROM jobline_claim($1::text[], $2::int, $3::text, $4::bigint, $5::bigint)',
    values: [o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
  });
  return result.rows;
}

export async function postgresRecordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
  await db
    .insertInto('job_attempts')
    .values(rows)
    .onConflict((oc) => oc.columns(['job_id', 'started_at', 'number']).doNothing())
    .execute();
}

const { complete } = TRANSITIONS;

/**
 * The completion: one statement, so one round trip and one commit. The update joins the unnested
 * array rather than the CTE `v`, whose row count the planner cannot see: without statistics it then
 * took "this worker's running jobs" for one row and scanned the table for them. The update, the
 * attempt rows and the release of dependents are data-modifying CTEs; they all see the snapshot from
 * before the statement, so the dependency check counts the jobs finished here as succeeded
 * explicitly. It returns only ids, so a column added to `jobs` later cannot change its result type.
 */
const COMPLETE_JOBS = `
WITH v AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS v(id, output, number, started_at, outcome, error_message, error_code, error_stack)
), done AS (
  UPDATE jobs AS j SET status = '${complete.to}', status_reason = 'completed', output = v.output::jsonb, error = NULL,
    progress = 100, completed_at = $9::bigint, updated_at = $9::bigint, version = j.version + 1,
    lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($1::uuid[], $2::text[]) AS v(id, output)
  WHERE j.id = v.id AND j.lease_owner = $10::text AND j.status = '${complete.from[0]}'
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

export async function postgresComplete(
  pool: pg.Pool,
  workerId: string,
  batch: Completion[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  const rows = batch.map((b) => b.attempt);
  const result = await pool.query<{ id: string; released: boolean }>({
    name: 'jobline_complete_jobs',
    text: COMPLETE_JOBS,
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
