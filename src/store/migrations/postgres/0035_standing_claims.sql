-- Standing claims: the handoff of services/handoff.ts between processes. A worker whose claim found
-- fewer jobs than it has free slots leaves a row here; the numbered insert of any process then inserts
-- runnable jobs of its types already claimed by it (as the in-process handoff does), takes their
-- number off its slots (counting them in `handed`), and NOTIFYs it the jobs on jobline_handoff, so a
-- job created by one process starts in another without a claim after the wake-up. A claim that finds
-- as many jobs as it asked for sets the slots to 0. The row lapses at expires_at unless the worker's
-- next poll renews it, so a worker that died is handed jobs for no longer than that; their leases then
-- expire and the reaper returns them. A stopping worker deletes its row. UNLOGGED: the rows describe
-- live processes, which renew them after a restart.
CREATE UNLOGGED TABLE worker_waits (
  worker_id   TEXT PRIMARY KEY,
  types       TEXT[] NOT NULL,
  slots       INTEGER NOT NULL,
  lease_ms    BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  handed      BIGINT NOT NULL
);

-- jobline_claim_free (migration 0031) for all workspaces, then the worker's standing claim: renewed
-- with its free slots left when the claim ran out of jobs before `p_limit`, else emptied. The worker
-- counted its free slots when it had heard of `p_seen` jobs handed to it: those handed since, which
-- it may not have heard of yet, are not free. A lapsed row starts its count again.
CREATE FUNCTION jobline_claim_or_wait(p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT,
  p_lease_ms BIGINT, p_wait_slots INTEGER, p_wait_until BIGINT, p_seen BIGINT)
RETURNS TABLE (id UUID, workspace_id TEXT, project_id UUID, type TEXT, input JSONB, attempts INTEGER, max_attempts INTEGER, timeout_ms BIGINT)
LANGUAGE plpgsql
AS $$
DECLARE
  v_claimed INTEGER;
BEGIN
  RETURN QUERY SELECT * FROM jobline_claim_free(NULL, p_types, p_limit, p_worker, p_now, p_now + p_lease_ms);
  GET DIAGNOSTICS v_claimed = ROW_COUNT;
  IF v_claimed < p_limit AND p_wait_slots > v_claimed THEN
    INSERT INTO worker_waits AS w (worker_id, types, slots, lease_ms, expires_at, handed)
    VALUES (p_worker, p_types, p_wait_slots - v_claimed, p_lease_ms, p_wait_until, p_seen)
    ON CONFLICT (worker_id) DO UPDATE
      SET types = EXCLUDED.types, lease_ms = EXCLUDED.lease_ms, expires_at = EXCLUDED.expires_at,
        slots = EXCLUDED.slots - CASE WHEN w.expires_at < p_now THEN 0 ELSE w.handed - p_seen END,
        handed = CASE WHEN w.expires_at < p_now THEN p_seen ELSE w.handed END;
  ELSE
    UPDATE worker_waits w SET slots = 0 WHERE w.worker_id = p_worker AND w.slots > 0;
  END IF;
END $$;
