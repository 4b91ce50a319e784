-- Standing claims of workers that died without withdrawing them (migration 0035) stayed in
-- worker_waits for good, and every insert's look for a standing claim scans past them. An idle
-- worker's poll now deletes rows that lapsed over a minute ago by its clock (the margin covers clocks
-- of processes that disagree a little). A lapsed row holds nothing: an insert only takes a row that
-- has not lapsed, and a live worker whose row lapsed starts its count again at its next poll, as it
-- would with no row. Rows another transaction holds are skipped, never waited for.
CREATE OR REPLACE FUNCTION jobline_claim_or_wait(p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT,
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
    DELETE FROM worker_waits w WHERE w.worker_id IN (
      SELECT l.worker_id FROM worker_waits l WHERE l.expires_at < p_now - 60000 FOR UPDATE SKIP LOCKED);
  ELSE
    UPDATE worker_waits w SET slots = 0 WHERE w.worker_id = p_worker AND w.slots > 0;
  END IF;
END $$;
