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
 * The claim: one call of jobline_claim_free (migration 0031), which leaves out the types with flow
 * control and calls jobline_claim or jobline_claim_in_workspace (migrations 0014, 0015, 0026) with the
 * others; those hold the planner setting and the plan shape the claim needs (see there).
 */
export async function postgresClaim(pool: pg.Pool, o: ClaimOptions): Promise<ClaimedRow[]> {
  const result = await pool.query<ClaimedRow>({
    name: 'jobline_claim_free',
    text: 'SELECT * FROM jobline_claim_free($1::text, $2::text[], $3::int, $4::text, $5::bigint, $6::bigint)',
    values: [o.workspaceId ?? null, o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
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
 * The completion's first statement: the jobs and their attempt rows. The update joins the unnested
 * array rather than the CTE `v`, whose row count the planner cannot see: without statistics it then
 * took "this worker's running jobs" for one row and scanned the table for them. It returns only ids,
 * so a column added to `jobs` later cannot change its result type. Moving event_seq numbers the
 * job.succeeded events, which the trigger then writes as batch rows (migration 0030).
 */
const COMPLETE_JOBS = `
WITH v AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $10::text[])
    AS v(id, output, number, started_at, outcome, error_message, error_code, error_stack, owner)
), done AS (
  UPDATE jobs AS j SET status = '${complete.to}', status_reason = 'completed', output = v.output::jsonb, error = NULL,
    progress = 100, completed_at = $9::bigint, updated_at = $9::bigint, version = j.version + 1,
    lease_owner = NULL, lease_expires_at = NULL,
    event_seq = GREATEST(j.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = j.id), 1)) + 1
  FROM unnest($1::uuid[], $2::text[], $10::text[]) AS v(id, output, owner)
  WHERE j.id = v.id AND j.lease_owner = v.owner AND j.status = '${complete.from[0]}'
  RETURNING j.id
), attempts AS (
  INSERT INTO job_attempts (job_id, number, worker, started_at, finished_at, outcome, error_message, error_code, error_stack)
  SELECT v.id, v.number, v.owner, v.started_at, $9::bigint, v.outcome, v.error_message, v.error_code, v.error_stack
  FROM v JOIN done ON done.id = v.id
  ON CONFLICT (job_id, started_at, number) DO NOTHING
)
SELECT id FROM done`;

/**
 * The jobs waiting on the succeeded ones, locked in one order, so that of two completions releasing
 * the same job the second waits for the first to commit, and then sees its dependency succeeded. The
 * first condition does not depend on the row: PostgreSQL checks it once, so a batch without
 * dependents (the usual case) reads nothing more.
 */
const LOCK_DEPENDENTS = `
SELECT c.id FROM jobs c
WHERE EXISTS (SELECT 1 FROM job_dependencies d WHERE d.depends_on_id = ANY ($1::uuid[]))
  AND c.id = ANY (ARRAY(SELECT d.job_id FROM job_dependencies d WHERE d.depends_on_id = ANY ($1::uuid[])))
  AND c.status = 'pending' AND c.status_reason = 'waiting'
ORDER BY c.id
FOR UPDATE`;

/** Those of the locked dependents that nothing holds back any more become runnable. */
const RELEASE_DEPENDENTS = `
UPDATE jobs AS c SET status_reason = 'queued', updated_at = $2::bigint, version = c.version + 1
WHERE c.id = ANY ($1::uuid[]) AND c.status = 'pending' AND c.status_reason = 'waiting'
  AND NOT EXISTS (
    SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
    WHERE d.job_id = c.id AND p.status <> 'succeeded')`;

/**
 * The completion, in one transaction of three statements, each a named prepared statement. The
 * dependents are read by statements after the completion's, not by a part of it: a statement sees the
 * database as it was when it started (READ COMMITTED), and the completion may have waited for a job
 * created waiting on one of these (it holds their rows FOR SHARE until it commits). A part of the
 * completion's statement would not see that job, which would then wait for ever.
 */
export async function postgresComplete(
  pool: pg.Pool,
  batch: Completion[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  const rows = batch.map((b) => b.attempt);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const done = await client.query<{ id: string }>({
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
        pgArray(rows.map((r) => r.worker)),
      ],
    });
    const ids = done.rows.map((r) => r.id);
    let released = 0;
    if (ids.length > 0) {
      const waiting = await client.query<{ id: string }>({
        name: 'jobline_lock_dependents',
        text: LOCK_DEPENDENTS,
        values: [pgArray(ids)],
      });
      if (waiting.rows.length > 0) {
        const result = await client.query({
          name: 'jobline_release_dependents',
          text: RELEASE_DEPENDENTS,
          values: [pgArray(waiting.rows.map((r) => r.id)), now],
        });
        released = result.rowCount ?? 0;
      }
    }
    await client.query('COMMIT');
    client.release();
    return { done: ids, released };
  } catch (error) {
    // A connection that cannot roll back is dropped rather than handed to the next caller.
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    client.release(broken);
    throw error;
  }
}
