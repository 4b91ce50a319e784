-- A new job's first event needs neither the job's row lock nor a look for the highest seq (it is 1),
-- and nobody can be following a job that did not exist: its NOTIFY names only the workspace (" <id>"),
-- for the feed's followers, and PostgreSQL folds the identical payloads of one transaction into one.
-- A batch of 1,000 jobs now sends one notification instead of 1,000.
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
    PERFORM jobline_append_event(NEW.id, 'job.' || NEW.status,
      jsonb_build_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', OLD.status,
        'attempt', NEW.attempts, 'error', NEW.error),
      CASE WHEN NEW.status = 'running' THEN NEW.lease_owner END, NEW.updated_at);
  ELSIF OLD.progress IS DISTINCT FROM NEW.progress OR OLD.progress_message IS DISTINCT FROM NEW.progress_message THEN
    PERFORM jobline_append_event(NEW.id, 'job.progress',
      jsonb_build_object('progress', NEW.progress, 'message', NEW.progress_message), NEW.lease_owner, NEW.updated_at);
  END IF;
  RETURN NULL;
END $$;
