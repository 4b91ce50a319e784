-- The job.created events of one INSERT are appended as one row per (workspace, project, type,
-- created_at, data) instead of one row per job: `job_id` is NULL and `job_ids` lists the jobs, in
-- the order they were inserted. A batch of 1,000 new jobs appends one event row instead of 1,000, and
-- its three index entries once. Readers expand such a row into one event per job (src/store/events.ts):
-- the k-th job's event has the position (tx, id, k) in the feed, and seq 1 in its job's timeline.
--
-- What stays the same: every job's timeline and every workspace's feed, event for event (a job's
-- created event is still seq 1, its next event seq 2); events of jobs expired by retention or deleted
-- are left out, as their rows were before. Rows written before this migration keep their shape and
-- are read as they were.
--
-- Why: the created event's row and its index entries were a large part of the work of inserting a
-- job (docs/benchmarks.md, findings).
ALTER TABLE job_events ALTER COLUMN job_id DROP NOT NULL;
ALTER TABLE job_events ADD COLUMN job_ids UUID[];

-- A job's batched created event is found by its job's created_at (and workspace), and retention finds
-- the batches whose jobs are all gone by age. Only batch rows have an entry.
CREATE INDEX job_events_created_batches ON job_events (created_at) WHERE job_id IS NULL;

-- The dispatcher's position inside a batch row: the index of the last job whose event it dispatched.
ALTER TABLE webhook_dispatch ADD COLUMN event_k INTEGER NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION jobline_jobs_created() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, NULL, array_agg(id), project_id, type, 1, 'job.created', data, NULL, created_at
  FROM (
    SELECT workspace_id, id, project_id, type, created_at,
      CASE WHEN status = 'running' THEN jsonb_build_object('status', 'pending', 'status_reason', 'queued')
        ELSE jsonb_build_object('status', status, 'status_reason', status_reason) END AS data
    FROM new_jobs
  ) n
  GROUP BY workspace_id, project_id, type, created_at, data;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, id, project_id, type, 2, 'job.running',
    jsonb_build_object('status', status, 'status_reason', status_reason, 'previous_status', 'pending', 'attempt', attempts, 'error', error),
    lease_owner, created_at
  FROM new_jobs WHERE status = 'running';
  PERFORM pg_notify('jobline_events', ' ' || w.workspace_id) FROM (SELECT DISTINCT workspace_id FROM new_jobs WHERE status <> 'running') w;
  RETURN NULL;
END $$;

-- A job whose created event is batched has no row of its own until its first change: its next seq is
-- max(seq) + 1 over its own rows, or 2 when it has none.
CREATE OR REPLACE FUNCTION jobline_jobs_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  appended BIGINT;
BEGIN
  WITH changed AS (
    SELECT n.*, o.status AS previous_status,
      (o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason) AS status_changed
    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
    WHERE o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason
      OR o.progress IS DISTINCT FROM n.progress OR o.progress_message IS DISTINCT FROM n.progress_message
  ), appended_events AS (
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT c.workspace_id, c.id, c.project_id, c.type,
      COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = c.id), 1) + 1,
      CASE WHEN c.status_changed THEN 'job.' || c.status ELSE 'job.progress' END,
      CASE WHEN c.status_changed
        THEN jsonb_build_object('status', c.status, 'status_reason', c.status_reason, 'previous_status', c.previous_status,
          'attempt', c.attempts, 'error', c.error)
        ELSE jsonb_build_object('progress', c.progress, 'message', c.progress_message) END,
      CASE WHEN NOT c.status_changed OR c.status = 'running' THEN c.lease_owner END,
      c.updated_at
    FROM changed c
    RETURNING job_id, workspace_id
  )
  SELECT count(pg_notify('jobline_events', a.job_id::text || ' ' || a.workspace_id)) INTO appended FROM appended_events a;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION jobline_append_event(p_job_id UUID, p_name TEXT, p_data JSONB, p_actor TEXT, p_at BIGINT) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
  j RECORD;
BEGIN
  SELECT workspace_id, project_id, type INTO j FROM jobs WHERE id = p_job_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (j.workspace_id, p_job_id, j.project_id, j.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = p_job_id), 1) + 1, p_name, p_data, p_actor, p_at);
  PERFORM pg_notify('jobline_events', p_job_id::text || ' ' || j.workspace_id);
END $$;
