-- A job's created, status and progress events are appended once per statement rather than once per
-- row. The row triggers ran a PL/pgSQL function for every job a claim or a completion touched (a
-- large part of PostgreSQL's work per job); statement triggers see every changed row
-- at once through transition tables and append all their events with one INSERT … SELECT.
--
-- What stays the same: the events, their data and order (the transition tables hold rows in the order
-- the statement changed them), `seq` per job (a job's row stays locked by the UPDATE until commit, so
-- nobody else numbers its events meanwhile), one NOTIFY per changed job ("<job id> <workspace id>") and
-- one per workspace for new jobs (" <workspace id>"). A statement trigger with transition tables cannot
-- name columns, so it runs for every UPDATE of jobs (lease renewals too) and keeps only the rows whose
-- status, reason, progress or message changed. When one statement changes jobs through several
-- data-modifying CTEs (a completion that also releases dependents), it fires once with all of them.
DROP TRIGGER job_events_created ON jobs;
DROP TRIGGER job_events_changed ON jobs;
DROP FUNCTION jobline_job_events();

CREATE FUNCTION jobline_jobs_created() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, id, project_id, type, 1, 'job.created',
    jsonb_build_object('status', status, 'status_reason', status_reason), NULL, created_at
  FROM new_jobs;
  PERFORM pg_notify('jobline_events', ' ' || w.workspace_id) FROM (SELECT DISTINCT workspace_id FROM new_jobs) w;
  RETURN NULL;
END $$;

CREATE FUNCTION jobline_jobs_changed() RETURNS TRIGGER
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
      COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = c.id), 0) + 1,
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

CREATE TRIGGER job_events_created AFTER INSERT ON jobs
  REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION jobline_jobs_created();
CREATE TRIGGER job_events_changed AFTER UPDATE ON jobs
  REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION jobline_jobs_changed();
