-- A job's succeeded attempt is kept in the job's own row rather than as a row of job_attempts: the
-- completion already rewrites that row, and an attempt row per success was a second table and its
-- index written for every job run. `succeeded_by` names the worker whose attempt succeeded; the
-- attempt's number is `attempts`, its start `attempt_started_at` (the handler's start, written by the
-- completion) and its end `completed_at`. Readers of a job's attempts add it to the rows of its other
-- attempts (store/queue/attempts.ts, store/job-details.ts). Jobs that succeeded before this migration
-- have no `succeeded_by` and keep their attempt row.
ALTER TABLE jobs ADD COLUMN succeeded_by TEXT;

DROP FUNCTION jobline_complete_jobs(UUID[], TEXT[], INTEGER[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT, TEXT[]);

-- Migration 0033's completion (see there for its statements, their order and why), with the attempt
-- written into the job's row; planned once per connection as migration 0038 made it.
CREATE FUNCTION jobline_complete_jobs(
  p_ids UUID[], p_outputs TEXT[], p_started_at BIGINT[], p_now BIGINT, p_owners TEXT[])
RETURNS TABLE (done_id UUID, released_count INTEGER)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_done UUID[];
  v_waiting UUID[];
  v_released INTEGER := 0;
BEGIN
  WITH done AS (
    UPDATE jobs AS j SET status = 'succeeded', status_reason = 'completed', output = v.output::jsonb,
      error = NULL, progress = 100, completed_at = p_now, updated_at = p_now, version = j.version + 1,
      lease_owner = NULL, lease_expires_at = NULL, succeeded_by = v.owner, attempt_started_at = v.started_at,
      event_seq = GREATEST(j.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = j.id), 1)) + 1
    FROM unnest(p_ids, p_outputs, p_owners, p_started_at) AS v(id, output, owner, started_at)
    WHERE j.id = v.id AND j.lease_owner = v.owner AND j.status = 'running'
    RETURNING j.id
  )
  SELECT COALESCE(array_agg(done.id), '{}') INTO v_done FROM done;

  IF cardinality(v_done) > 0 THEN
    -- The first condition does not depend on the row: a batch without dependents reads nothing more.
    SELECT COALESCE(array_agg(w.id), '{}') INTO v_waiting FROM (
      SELECT c.id FROM jobs c
      WHERE EXISTS (SELECT 1 FROM job_dependencies d WHERE d.depends_on_id = ANY (v_done))
        AND c.id = ANY (ARRAY(SELECT d.job_id FROM job_dependencies d WHERE d.depends_on_id = ANY (v_done)))
        AND c.status = 'pending' AND c.status_reason = 'waiting'
      ORDER BY c.id
      FOR UPDATE) w;
    IF cardinality(v_waiting) > 0 THEN
      UPDATE jobs AS c SET status_reason = 'queued', updated_at = p_now, version = c.version + 1
      WHERE c.id = ANY (v_waiting) AND c.status = 'pending' AND c.status_reason = 'waiting'
        AND NOT EXISTS (
          SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
          WHERE d.job_id = c.id AND p.status <> 'succeeded');
      GET DIAGNOSTICS v_released = ROW_COUNT;
    END IF;
  END IF;

  RETURN QUERY SELECT u.id, v_released FROM unnest(v_done) AS u(id);
END $$;
