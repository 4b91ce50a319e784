-- A worker token (scope jobs:work) may be restricted to some job types: a JSON array, NULL for any.
ALTER TABLE api_tokens ADD COLUMN job_types TEXT;

-- A remote worker's claim (src/services/remote-work.ts) takes only jobs of its token's workspace:
-- jobline_claim (migration 0015) with that one condition more, same setting and plan shape.
CREATE FUNCTION jobline_claim_in_workspace(p_workspace TEXT, p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
RETURNS TABLE (id UUID, workspace_id TEXT, project_id UUID, type TEXT, input JSONB, attempts INTEGER, max_attempts INTEGER, timeout_ms BIGINT)
LANGUAGE plpgsql
SET enable_sort = off
AS $$
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY
  WITH next AS MATERIALIZED (
    SELECT j.id FROM jobs j
    WHERE j.status = 'pending' AND j.run_at <= p_now AND j.type = ANY (p_types) AND j.executor = 'worker'
      AND (j.status_reason IS NULL OR j.status_reason <> 'waiting') AND j.workspace_id = p_workspace
    ORDER BY j.priority DESC, j.run_at, j.id
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED)
  UPDATE jobs SET status = 'running', status_reason = 'claimed', attempts = jobs.attempts + 1, lease_owner = p_worker,
    lease_expires_at = p_lease_expires_at, started_at = COALESCE(jobs.started_at, p_now), attempt_started_at = p_now,
    updated_at = p_now, version = jobs.version + 1
  FROM next
  WHERE jobs.id = next.id AND jobs.status = 'pending'
  RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.input, jobs.attempts, jobs.max_attempts, jobs.timeout_ms;
END $$;
