-- The completion of a batch of jobs as one function, called in one round trip and committing as one
-- transaction: the jobs succeed and their attempts are written (one statement), then the jobs waiting
-- on them are locked in id order (a second statement) and those nothing holds back any more become
-- runnable (a third). Each statement of a VOLATILE PL/pgSQL function takes its own snapshot under
-- READ COMMITTED, as the three statements sent one by one did: the lock sees a dependent created while
-- the completion waited for its insert (it holds its dependencies' rows FOR SHARE until it commits),
-- and of two completions releasing the same job the second waits for the first and sees its success.
-- The update joins the unnested arrays rather than the CTE, whose row count the planner cannot see
-- (without statistics it took "this worker's running jobs" for one row and scanned the table). Moving
-- event_seq numbers the job.succeeded events, which the status trigger writes as batch rows (migration
-- 0030). Returns the ids that were still running under their lease owner, each with the
-- count of dependents released.
CREATE FUNCTION jobline_complete_jobs(
  p_ids UUID[], p_outputs TEXT[], p_numbers INTEGER[], p_started_at BIGINT[], p_outcomes TEXT[],
  p_error_messages TEXT[], p_error_codes TEXT[], p_error_stacks TEXT[], p_now BIGINT, p_owners TEXT[])
RETURNS TABLE (done_id UUID, released_count INTEGER)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  v_done UUID[];
  v_waiting UUID[];
  v_released INTEGER := 0;
BEGIN
  WITH v AS (
    SELECT * FROM unnest(p_ids, p_outputs, p_numbers, p_started_at, p_outcomes, p_error_messages,
      p_error_codes, p_error_stacks, p_owners)
      AS v(id, output, number, started_at, outcome, error_message, error_code, error_stack, owner)
  ), done AS (
    UPDATE jobs AS j SET status = 'succeeded', status_reason = 'completed', output = v.output::jsonb,
      error = NULL, progress = 100, completed_at = p_now, updated_at = p_now, version = j.version + 1,
      lease_owner = NULL, lease_expires_at = NULL,
      event_seq = GREATEST(j.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = j.id), 1)) + 1
    FROM unnest(p_ids, p_outputs, p_owners) AS v(id, output, owner)
    WHERE j.id = v.id AND j.lease_owner = v.owner AND j.status = 'running'
    RETURNING j.id
  ), attempts AS (
    INSERT INTO job_attempts (job_id, number, worker, started_at, finished_at, outcome, error_message, error_code, error_stack)
    SELECT v.id, v.number, v.owner, v.started_at, p_now, v.outcome, v.error_message, v.error_code, v.error_stack
    FROM v JOIN done ON done.id = v.id
    ON CONFLICT (job_id, started_at, number) DO NOTHING
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
