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
 * The claim: one call of jobline_claim_free (migrations 0031, 0034), which leaves out the types whose
 * flow control limits the claim and calls jobline_claim or jobline_claim_in_workspace (migrations 0014, 0015, 0026) with the
 * others; those hold the planner setting and the plan shape the claim needs (see there).
 */
export async function postgresClaim(pool: pg.Pool, o: ClaimOptions): Promise<ClaimedRow[]> {
  if (o.wait !== undefined && o.workspaceId === undefined) return claimOrWait(pool, o, o.wait);
  const result = await pool.query<ClaimedRow>({
    name: 'jobline_claim_free',
    text: 'SELECT * FROM jobline_claim_free($1::text, $2::text[], $3::int, $4::text, $5::bigint, $6::bigint)',
    values: [o.workspaceId ?? null, o.types, o.limit, o.workerId, o.now, o.now + o.leaseMs],
  });
  return result.rows;
}

/** The claim, then the worker's standing claim renewed or emptied (migration 0035). */
async function claimOrWait(
  pool: pg.Pool,
  o: ClaimOptions,
  wait: NonNullable<ClaimOptions['wait']>,
): Promise<ClaimedRow[]> {
  const result = await pool.query<ClaimedRow>({
    name: 'jobline_claim_or_wait',
    text: `SELECT * FROM jobline_claim_or_wait($1::text[], $2::int, $3::text, $4::bigint, $5::bigint, $6::int,
      $7::bigint, $8::bigint)`,
    values: [o.types, o.limit, o.workerId, o.now, o.leaseMs, wait.slots, wait.until, wait.seen],
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

// The completion's statuses are written in migration 0043's function, which must follow the lifecycle
// table (test/store/queue-lifecycle.test.ts runs it from every status).
const { complete } = TRANSITIONS;
if (complete.to !== 'succeeded' || complete.from.join() !== 'running')
  throw new Error('jobline_complete_jobs (migration 0043) no longer matches the lifecycle table');

/** The completion's call; the statements, their order and why are in migrations 0033 and 0043. */
const COMPLETE_JOBS = `SELECT done_id, released_count FROM jobline_complete_jobs($1::uuid[], $2::text[], $3::bigint[],
  $4::bigint, $5::text[])`;

/**
 * The completion: one call of jobline_complete_jobs (migration 0043), one round trip and one
 * transaction, whose statements each see the database as it is when they start (see migration 0033).
 * The succeeded attempts are written into the jobs' rows, so only their starts and owners are sent.
 */
export async function postgresComplete(
  pool: pg.Pool,
  batch: Completion[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  const rows = batch.map((b) => b.attempt);
  const result = await pool.query<{ done_id: string; released_count: number }>({
    name: 'jobline_complete_jobs',
    text: COMPLETE_JOBS,
    values: [
      pgArray(rows.map((r) => r.job_id)),
      pgArray(batch.map((b) => JSON.stringify(b.output ?? null))),
      pgArray(rows.map((r) => r.started_at)),
      now,
      pgArray(rows.map((r) => r.worker)),
    ],
  });
  return { done: result.rows.map((r) => r.done_id), released: result.rows[0]?.released_count ?? 0 };
}
