-- Every change of a job, in order: the timeline behind GET /v1/jobs/{id}/events, the workspace feed,
-- Server-Sent Events and webhooks. Triggers append the events in the transaction that made the
-- change, so no code path can change a job without its event, and a rolled-back change leaves none.
--
-- `seq` numbers a job's events from 1; jobline_append_event locks the job's row first, so two
-- transactions never number events of one job at once, and they become visible in `seq` order.
-- `id` alone cannot be the feed's cursor: ids are drawn when a row is inserted, not when it commits,
-- so a reader could pass an id whose transaction commits later and miss it. `tx` is the writing
-- transaction's id: readers only take events of transactions older than every transaction still in
-- progress (pg_snapshot_xmin) and page by (tx, id), so nothing becomes visible behind a cursor.
-- Each event NOTIFYs 'jobline_events' with "<job id> <workspace id>" (delivered at commit, to every process).
CREATE TABLE job_events (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx           BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  workspace_id TEXT NOT NULL,
  job_id       UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  project_id   UUID,
  job_type     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  name         TEXT NOT NULL,
  data         JSONB NOT NULL,
  actor        TEXT,
  created_at   BIGINT NOT NULL,
  UNIQUE (job_id, seq)
);
CREATE INDEX job_events_feed ON job_events (workspace_id, tx, id);

CREATE FUNCTION jobline_append_event(p_job_id UUID, p_name TEXT, p_data JSONB, p_actor TEXT, p_at BIGINT) RETURNS VOID
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
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = p_job_id), 0) + 1, p_name, p_data, p_actor, p_at);
  PERFORM pg_notify('jobline_events', p_job_id::text || ' ' || j.workspace_id);
END $$;

CREATE FUNCTION jobline_job_events() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM jobline_append_event(NEW.id, 'job.created',
      jsonb_build_object('status', NEW.status, 'status_reason', NEW.status_reason), NULL, NEW.created_at);
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

CREATE TRIGGER job_events_created AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION jobline_job_events();
CREATE TRIGGER job_events_changed AFTER UPDATE OF status, status_reason, progress, progress_message ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobline_job_events();

CREATE FUNCTION jobline_attempt_events() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM jobline_append_event(NEW.job_id, 'job.attempt.failed',
    jsonb_build_object('attempt', NEW.number, 'outcome', NEW.outcome,
      'error', jsonb_build_object('message', NEW.error_message, 'code', NEW.error_code)),
    NEW.worker, COALESCE(NEW.finished_at, NEW.started_at));
  RETURN NULL;
END $$;

CREATE TRIGGER job_events_attempt_failed AFTER INSERT ON job_attempts
  FOR EACH ROW WHEN (NEW.outcome IN ('failed', 'timed_out', 'lease_expired')) EXECUTE FUNCTION jobline_attempt_events();

CREATE FUNCTION jobline_file_events() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM jobline_append_event(NEW.job_id, 'job.file.added',
    jsonb_build_object('file', jsonb_build_object('id', NEW.id, 'name', NEW.name, 'content_type', NEW.content_type,
      'size', NEW.size, 'sha256', NEW.sha256)),
    NULL, NEW.created_at);
  RETURN NULL;
END $$;

CREATE TRIGGER job_events_file_added AFTER INSERT ON files
  FOR EACH ROW WHEN (NEW.job_id IS NOT NULL AND NEW.role = 'output') EXECUTE FUNCTION jobline_file_events();
