-- A new job's first event needs neither the job's row lock nor a look for the highest seq (it is 1),
-- and nobody can be following a job that did not exist: its NOTIFY names only the workspace (" <id>"),
-- for the feed's followers, and PostgreSQL folds the identical payloads of one transaction into one.
-- A batch of 1,000 jobs now sends one notification instead of 1,000. A status or progress change
-- is made by an UPDATE that already holds the job's row lock and has the row at hand (NEW), so it
-- appends its event directly rather than through jobline_append_event's lock and lookup.
CREATE OR REPLACE FUNCTION jobline_job_events() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 1, 'job.created',
      jsonb_build_object('status', NEW.status, 'status_reason', NEW.status_reason), NULL, NEW.created_at);
    PERFORM pg_notify('jobline_events', ' ' || NEW.workspace_id);
    RETURN NULL;
  END IF;
  IF OLD.status IS DISTINCT FROM NEW.status OR OLD.status_reason IS DISTINCT FROM NEW.status_reason THEN
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
      COALESCE((SELECT max(seq) FROM job_events WHERE job_id = NEW.id), 0) + 1, 'job.' || NEW.status,
      jsonb_build_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', OLD.status,
        'attempt', NEW.attempts, 'error', NEW.error),
      CASE WHEN NEW.status = 'running' THEN NEW.lease_owner END, NEW.updated_at);
    PERFORM pg_notify('jobline_events', NEW.id::text || ' ' || NEW.workspace_id);
  ELSIF OLD.progress IS DISTINCT FROM NEW.progress OR OLD.progress_message IS DISTINCT FROM NEW.progress_message THEN
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
      COALESCE((SELECT max(seq) FROM job_events WHERE job_id = NEW.id), 0) + 1, 'job.progress',
      jsonb_build_object('progress', NEW.progress, 'message', NEW.progress_message), NEW.lease_owner, NEW.updated_at);
    PERFORM pg_notify('jobline_events', NEW.id::text || ' ' || NEW.workspace_id);
  END IF;
  RETURN NULL;
END $$;
