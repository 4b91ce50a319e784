-- The claim reads back only what a worker needs of the jobs it took (ClaimedJob in src/core/job.ts)
-- instead of every column of `jobs`: sending, parsing and building every column of every claimed job
-- cost as much as the claim's own update. Same statement, same setting and plan shape as migration 0014.
DROP FUNCTION jobline_claim(TEXT[], INTEGER, TEXT, BIGINT, BIGINT);
CREATE FUNCTION jobline_claim(p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
RETURNS TABLE (id UUID, workspace_id TEXT, project_id UUID, type TEXT, input JSONB, attempts INTEGER, max_attempts INTEGER, timeout_ms BIGINT)
LANGUAGE plpgsql
SET enable_sort = off
AS $$
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true); -- until this transaction ends, unlike SET clauses
  RETURN QUERY
  WITH next AS MATERIALIZED (
    SELECT j.id FROM jobs j
    WHERE j.status = 'pending' AND j.run_at <= p_now AND j.type = ANY (p_types) AND j.executor = 'worker'
      AND (j.status_reason IS NULL OR j.status_reason <> 'waiting')
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
