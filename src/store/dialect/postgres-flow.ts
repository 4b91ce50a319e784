import type pg from 'pg';
import type { FlowCandidate } from '../../core/flow.js';
import { TRANSITIONS } from '../../core/lifecycle.js';
import type { FlowRow } from '../job-flow.js';
import { pgArray } from '../pg-arrays.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import { limitedClaim, runAsync, type Count, type FlowOps } from '../queue/flow-claim.js';

// The limited claim's statements on PostgreSQL (store/queue/flow-claim.ts), in one transaction. A
// transaction-scoped advisory lock per type makes the limited claims of a type take turns across every
// process, so each counts what the one before it claimed; the jobs themselves need no row locks, as the
// claim's UPDATE takes only jobs still pending.

const { claim } = TRANSITIONS;

const FLOWS = `SELECT * FROM job_type_flow WHERE type = ANY ($1::text[]) AND ($2::text IS NULL OR workspace_id IN ($2::text, ''))`;

// Claimed jobs hold a lease, so the partial index of leases (migration 0002) finds them.
const RUNNING = `SELECT workspace_id, concurrency_key AS key, count(*)::int AS n FROM jobs
  WHERE lease_owner IS NOT NULL AND status IN ('running', 'cancelling') AND type = $1 AND ($2::text IS NULL OR workspace_id = $2::text)
  GROUP BY workspace_id, concurrency_key`;

const STARTS = `SELECT workspace_id, flow_key AS key, count(*)::int AS n FROM job_flow_starts
  WHERE type = $1 AND started_at > $2::bigint AND ($3::text IS NULL OR workspace_id = $3::text)
  GROUP BY workspace_id, flow_key`;

const CANDIDATES = `SELECT id, workspace_id AS "workspaceId", concurrency_key AS key FROM jobs
  WHERE status = '${claim.from[0]}' AND run_at <= $1::bigint AND type = $2 AND executor = 'worker'
    AND (status_reason IS NULL OR status_reason <> 'waiting')
    AND ($3::text IS NULL OR workspace_id = $3::text)
    AND NOT (workspace_id = ANY ($4::text[]))
    AND ($5::text[] IS NULL OR workspace_id = ANY ($5::text[]))
    AND (concurrency_key IS NULL OR NOT (workspace_id || ' ' || concurrency_key = ANY ($6::text[])))
  ORDER BY priority DESC, run_at, id
  LIMIT $7::int`;

// The claim's UPDATE (migration 0015) for the jobs named: the same columns set and read back.
const CLAIM_IDS = `UPDATE jobs SET status = '${claim.to}', status_reason = 'claimed', attempts = jobs.attempts + 1, lease_owner = $2,
    lease_expires_at = $3::bigint, started_at = COALESCE(jobs.started_at, $4::bigint), attempt_started_at = $4::bigint,
    updated_at = $4::bigint, version = jobs.version + 1
  WHERE jobs.id = ANY ($1::uuid[]) AND jobs.status = '${claim.from[0]}'
  RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.input, jobs.attempts, jobs.max_attempts, jobs.timeout_ms`;

function postgresFlowOps(client: pg.PoolClient): FlowOps<'async'> {
  const rows = async <T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> =>
    (await client.query<T>(text, values)).rows;
  return {
    flows: (types, workspaceId) => rows<FlowRow>(FLOWS, [pgArray([...types]), workspaceId ?? null]),
    lock: async (type) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('jobline-flow:' || current_schema() || ':' || $1))`, [
        type,
      ]);
    },
    running: (type, workspaceId) => rows<Count>(RUNNING, [type, workspaceId ?? null]),
    starts: (type, since, workspaceId) => rows<Count>(STARTS, [type, since, workspaceId ?? null]),
    candidates: (q) =>
      rows<FlowCandidate>(CANDIDATES, [
        q.now,
        q.type,
        q.workspaceId ?? null,
        pgArray(q.blockedWorkspaces),
        q.onlyWorkspaces === undefined ? null : pgArray(q.onlyWorkspaces),
        pgArray(q.blockedKeys),
        q.limit,
      ]),
    claimIds: (ids, o) => rows<ClaimedRow>(CLAIM_IDS, [pgArray(ids), o.workerId, o.now + o.leaseMs, o.now]),
    recordStarts: async (starts) => {
      await client.query(
        `INSERT INTO job_flow_starts (workspace_id, type, flow_key, started_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
        [
          pgArray(starts.map((s) => s.workspaceId)),
          pgArray(starts.map((s) => s.type)),
          pgArray(starts.map((s) => s.key)),
          pgArray(starts.map((s) => s.at)),
        ],
      );
    },
    forgetStarts: async (type, before) => {
      await client.query('DELETE FROM job_flow_starts WHERE type = $1 AND started_at <= $2::bigint', [type, before]);
    },
  };
}

/** The limited claim in one transaction on a connection of the pool. */
export async function postgresLimitedClaim(pool: pg.Pool, o: ClaimOptions): Promise<ClaimedRow[]> {
  const client = await pool.connect();
  try {
    // The claim's settings (migration 0014): without statistics yet, the planner would read every
    // pending job and sort them rather than walk the claim index (and scan the table for the claimed
    // jobs rather than read the index of leases); and the commit need not wait for the disk.
    await client.query(
      'BEGIN; SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off; SET LOCAL synchronous_commit = off',
    );
    const claimed = await runAsync(limitedClaim(o), postgresFlowOps(client));
    await client.query('COMMIT');
    client.release();
    return claimed;
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
