-- One event-log layout on both databases: the job.created events of one INSERT (migration 0024), the
-- job.running events of one claim and the job.succeeded events of one completion are batch rows,
-- one job_events row per group of jobs whose event is the same but for the job, `job_id` NULL and
-- `job_ids` listing the jobs (k, a job's place in the feed, is its index). SQLite's migration 0030
-- gives it the same rows; src/store/events.ts and event-timeline.ts expand them for every reader.
--
-- What stays the same: every job's timeline and every workspace's feed, event for event (seq per
-- job without a gap), one NOTIFY per changed job, and the rows written before, which read as they did.
--
-- A job's batch rows are found by their time, through the partial index on created_at: its own
-- created_at, the times of its claims (claim_times) and its completed_at.
ALTER INDEX job_events_created_batches RENAME TO job_events_batches;
ALTER TABLE jobs ADD COLUMN claim_times BIGINT[];
-- A lower bound of the seq of the job's newest event: the claim and the completion set it to the seq
-- of the event they write, which is one more than the greater of it and the job's own rows' max(seq).
-- Every other writer numbers its event the same way without moving it (jobline_append_event and the
-- trigger below), so an UPDATE that changes event_seq is one whose status events are batch rows.
ALTER TABLE jobs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 1;

CREATE OR REPLACE FUNCTION jobline_jobs_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  appended BIGINT;
BEGIN
  WITH changed AS (
    SELECT n.*, o.status AS previous_status,
      (o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason) AS status_changed,
      n.event_seq IS DISTINCT FROM o.event_seq AS batched
    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
    WHERE o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason
      OR o.progress IS DISTINCT FROM n.progress OR o.progress_message IS DISTINCT FROM n.progress_message
  ), own_events AS (
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT c.workspace_id, c.id, c.project_id, c.type,
      GREATEST(c.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = c.id), 1)) + 1,
      CASE WHEN c.status_changed THEN 'job.' || c.status ELSE 'job.progress' END,
      CASE WHEN c.status_changed
        THEN jsonb_build_object('status', c.status, 'status_reason', c.status_reason, 'previous_status', c.previous_status,
          'attempt', c.attempts, 'error', c.error)
        ELSE jsonb_build_object('progress', c.progress, 'message', c.progress_message) END,
      CASE WHEN NOT c.status_changed OR c.status = 'running' THEN c.lease_owner END,
      c.updated_at
    FROM changed c WHERE NOT (c.batched AND c.status_changed)
    RETURNING job_id, workspace_id
  ), batch_events AS (
    INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
    SELECT b.workspace_id, NULL, array_agg(b.id), b.project_id, b.type, b.event_seq, 'job.' || b.status, b.data, b.actor,
      b.updated_at
    FROM (
      SELECT c.workspace_id, c.id, c.project_id, c.type, c.event_seq, c.status, c.updated_at,
        jsonb_build_object('status', c.status, 'status_reason', c.status_reason, 'previous_status', c.previous_status,
          'attempt', c.attempts, 'error', c.error) AS data,
        CASE WHEN c.status = 'running' THEN c.lease_owner END AS actor
      FROM changed c WHERE c.batched AND c.status_changed
    ) b
    GROUP BY b.workspace_id, b.project_id, b.type, b.event_seq, b.status, b.data, b.actor, b.updated_at
    RETURNING job_ids
  )
  SELECT count(pg_notify('jobline_events', a.job_id::text || ' ' || a.workspace_id)) INTO appended FROM (
    SELECT job_id, workspace_id FROM own_events
    UNION ALL
    SELECT c.id, c.workspace_id FROM changed c WHERE c.batched AND c.status_changed
  ) a;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobline_append_event(p_job_id UUID, p_name TEXT, p_data JSONB, p_actor TEXT, p_at BIGINT) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
  j RECORD;
BEGIN
  SELECT workspace_id, project_id, type, event_seq INTO j FROM jobs WHERE id = p_job_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (j.workspace_id, p_job_id, j.project_id, j.type,
    GREATEST(j.event_seq, COALESCE((SELECT max(seq) FROM job_events WHERE job_id = p_job_id), 1)) + 1,
    p_name, p_data, p_actor, p_at);
  PERFORM pg_notify('jobline_events', p_job_id::text || ' ' || j.workspace_id);
END $$;

-- The claims of migrations 0015 and 0026, which now also number the job.running event and note the
-- claim's time; the trigger above writes the events as batch rows.
CREATE OR REPLACE FUNCTION jobline_claim(p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
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
    updated_at = p_now, version = jobs.version + 1,
    event_seq = GREATEST(jobs.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = jobs.id), 1)) + 1,
    claim_times = array_append(jobs.claim_times, p_now)
  FROM next
  WHERE jobs.id = next.id AND jobs.status = 'pending'
  RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.input, jobs.attempts, jobs.max_attempts, jobs.timeout_ms;
END $$;

CREATE OR REPLACE FUNCTION jobline_claim_in_workspace(p_workspace TEXT, p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
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
    updated_at = p_now, version = jobs.version + 1,
    event_seq = GREATEST(jobs.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = jobs.id), 1)) + 1,
    claim_times = array_append(jobs.claim_times, p_now)
  FROM next
  WHERE jobs.id = next.id AND jobs.status = 'pending'
  RETURNING jobs.id, jobs.workspace_id, jobs.project_id, jobs.type, jobs.input, jobs.attempts, jobs.max_attempts, jobs.timeout_ms;
END $$;
