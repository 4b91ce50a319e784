-- The plain claim leaves out only the types whose flow control limits the claim: paused, or with a
-- concurrency, key concurrency or rate limit (core/flow.ts limitsClaim). A type with only deduplication
-- settings has nothing for the claim to keep, so its jobs are claimed as those of any other type,
-- rather than by the limited claim (src/store/queue/flow-claim.ts). Otherwise as in migration 0031.
CREATE OR REPLACE FUNCTION jobline_claim_free(p_workspace TEXT, p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
RETURNS TABLE (id UUID, workspace_id TEXT, project_id UUID, type TEXT, input JSONB, attempts INTEGER, max_attempts INTEGER, timeout_ms BIGINT)
LANGUAGE plpgsql
AS $$
DECLARE
  v_free TEXT[];
BEGIN
  v_free := ARRAY(
    SELECT t FROM unnest(p_types) AS t
    WHERE NOT EXISTS (
      SELECT 1 FROM job_type_flow f
      WHERE f.type = t AND (p_workspace IS NULL OR f.workspace_id = p_workspace OR f.workspace_id = '')
        AND (f.paused <> 0 OR f.concurrency IS NOT NULL OR f.key_concurrency IS NOT NULL OR f.rate_limit IS NOT NULL)));
  IF cardinality(v_free) = 0 THEN
    RETURN;
  END IF;
  IF p_workspace IS NULL THEN
    RETURN QUERY SELECT * FROM jobline_claim(v_free, p_limit, p_worker, p_now, p_lease_expires_at);
  ELSE
    RETURN QUERY SELECT * FROM jobline_claim_in_workspace(p_workspace, v_free, p_limit, p_worker, p_now, p_lease_expires_at);
  END IF;
END $$;
