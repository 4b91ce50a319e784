import { FLOW_LIMITS_CLAIM } from './flow-limits.js';

// The SQL pieces of a PostgreSQL job insert that hands runnable jobs to the standing claim of an idle
// worker of another process (migration 0035), used by postgres-inserts.ts's statements.

/**
 * What the standing claim took, one row when it took any job: the worker, its lease length, the
 * number and ids of the jobs, and what its worker is told on jobline_handoff, the jobs as its claim
 * would have returned them (only their ids when that does not fit a NOTIFY's payload).
 */
const HANDED = `SELECT waiter.worker_id, waiter.lease_ms, count(*) AS n, array_agg(p.id) AS ids,
    json_build_object('worker', waiter.worker_id, 'jobs', json_agg(json_build_object(
      'id', p.id, 'workspace_id', p.workspace_id, 'project_id', p.project_id, 'type', p.type, 'input', p.input,
      'attempts', 1, 'max_attempts', p.max_attempts, 'timeout_ms', p.timeout_ms)))::text AS payload
    FROM picked p, waiter GROUP BY waiter.worker_id, waiter.lease_ms`;

/**
 * Runnable jobs of the insert go to an idle worker of another process (migration 0035): the standing
 * claim of one such worker that runs some of their types, locked so two inserts never share its slots,
 * and as many of its types' jobs as it has slots, in input order. None when the counter's row is
 * missing (a project not in the workspace): nothing is inserted then, and no slot may be taken. Types
 * whose flow control limits the claim (as in migration 0034) wait for it, which keeps their limits.
 */
export const STANDING_CLAIM = (announce: string, now: string) => `waiter AS (
    SELECT w.worker_id, w.slots, w.lease_ms, w.types FROM worker_waits w, counter
    WHERE ${announce}::boolean AND w.expires_at > ${now}::bigint AND w.slots > 0
      AND EXISTS (SELECT 1 FROM v WHERE v.status_reason = 'queued' AND v.type = ANY (w.types))
    ORDER BY w.expires_at DESC LIMIT 1 FOR UPDATE OF w SKIP LOCKED
  ), picked AS (
    SELECT v.id, v.workspace_id, v.project_id, v.type, v.input, v.max_attempts, v.timeout_ms FROM v, waiter
    WHERE v.status_reason = 'queued' AND v.type = ANY (waiter.types) AND NOT EXISTS (
      SELECT 1 FROM job_type_flow f WHERE f.type = v.type AND (f.workspace_id = v.workspace_id OR f.workspace_id = '')
        AND ${FLOW_LIMITS_CLAIM})
    ORDER BY v.position LIMIT (SELECT slots FROM waiter)
  ), handed AS (${HANDED}
  ), taken AS (
    UPDATE worker_waits w SET slots = w.slots - h.n, handed = w.handed + h.n FROM handed h WHERE w.worker_id = h.worker_id
  )`;

/**
 * STANDING_CLAIM for a single job (oneJob's `v`): the same worker chosen the same way, with nothing to
 * number, order or count, so the statement a lone job's pickup waits on is a few plan nodes rather
 * than a batch's aggregation of what the claim took.
 */
export const STANDING_CLAIM_ONE = (announce: string, now: string) => `waiter AS (
    SELECT w.worker_id, w.lease_ms FROM worker_waits w, v, counter
    WHERE ${announce}::boolean AND w.expires_at > ${now}::bigint AND w.slots > 0
      AND v.status_reason = 'queued' AND v.type = ANY (w.types) AND NOT EXISTS (
        SELECT 1 FROM job_type_flow f WHERE f.type = v.type AND (f.workspace_id = v.workspace_id OR f.workspace_id = '')
          AND ${FLOW_LIMITS_CLAIM})
    ORDER BY w.expires_at DESC LIMIT 1 FOR UPDATE OF w SKIP LOCKED
  ), taken AS (
    UPDATE worker_waits w SET slots = w.slots - 1, handed = w.handed + 1 FROM waiter WHERE w.worker_id = waiter.worker_id
  )`;

/** What HANDED tells the worker, for the one job of STANDING_CLAIM_ONE. */
export const HANDED_ONE = `json_build_object('worker', waiter.worker_id, 'jobs', json_build_array(json_build_object(
      'id', v.id, 'workspace_id', v.workspace_id, 'project_id', v.project_id, 'type', v.type, 'input', v.input,
      'attempts', 1, 'max_attempts', v.max_attempts, 'timeout_ms', v.timeout_ms)))::text`;
