-- Every change of a job, in order: the timeline behind GET /v1/jobs/{id}/events, the workspace feed,
-- Server-Sent Events and webhooks. Triggers append the events in the transaction that made the
-- change, so no code path can change a job without its event, and a rolled-back change leaves none.
--
-- `seq` numbers a job's events from 1 (a job's changes are serialized by the database's one writer);
-- `id` is the workspace feed's cursor (AUTOINCREMENT so an id is never reused, even after deletes);
-- `tx` is always 0 here (PostgreSQL uses it to order the feed by commit, see its migration).
-- jobline_event_added() is a function the application registers on its connection: it tells the
-- process's subscribers that a job has news (they read it after the commit).
CREATE TABLE job_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  tx           INTEGER NOT NULL DEFAULT 0,
  workspace_id TEXT NOT NULL,
  job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  project_id   TEXT,
  job_type     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  name         TEXT NOT NULL,
  data         TEXT NOT NULL,
  actor        TEXT,
  created_at   INTEGER NOT NULL,
  UNIQUE (job_id, seq)
);
CREATE INDEX job_events_feed ON job_events (workspace_id, tx, id);

CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
BEGIN
  SELECT jobline_event_added(NEW.job_id, NEW.workspace_id);
END;

CREATE TRIGGER job_events_created AFTER INSERT ON jobs
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 1, 'job.created',
    json_object('status', NEW.status, 'status_reason', NEW.status_reason), NULL, NEW.created_at);
END;

CREATE TRIGGER job_events_status AFTER UPDATE OF status, status_reason ON jobs
WHEN OLD.status IS NOT NEW.status OR OLD.status_reason IS NOT NEW.status_reason
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = NEW.id), 0) + 1,
    'job.' || NEW.status,
    json_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', OLD.status,
      'attempt', NEW.attempts, 'error', json(NEW.error)),
    CASE WHEN NEW.status = 'running' THEN NEW.lease_owner END, NEW.updated_at);
END;

CREATE TRIGGER job_events_progress AFTER UPDATE OF progress, progress_message ON jobs
WHEN OLD.status IS NEW.status AND (OLD.progress IS NOT NEW.progress OR OLD.progress_message IS NOT NEW.progress_message)
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = NEW.id), 0) + 1,
    'job.progress', json_object('progress', NEW.progress, 'message', NEW.progress_message), NEW.lease_owner, NEW.updated_at);
END;

CREATE TRIGGER job_events_attempt_failed AFTER INSERT ON job_attempts
WHEN NEW.outcome IN ('failed', 'timed_out', 'lease_expired')
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT j.workspace_id, j.id, j.project_id, j.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = j.id), 0) + 1,
    'job.attempt.failed',
    json_object('attempt', NEW.number, 'outcome', NEW.outcome, 'error', json_object('message', NEW.error_message, 'code', NEW.error_code)),
    NEW.worker, COALESCE(NEW.finished_at, NEW.started_at)
  FROM jobs j WHERE j.id = NEW.job_id;
END;

CREATE TRIGGER job_events_file_added AFTER INSERT ON files
WHEN NEW.job_id IS NOT NULL AND NEW.role = 'output'
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT j.workspace_id, j.id, j.project_id, j.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = j.id), 0) + 1,
    'job.file.added',
    json_object('file', json_object('id', NEW.id, 'name', NEW.name, 'content_type', NEW.content_type, 'size', NEW.size, 'sha256', NEW.sha256)),
    j.lease_owner, NEW.created_at
  FROM jobs j WHERE j.id = NEW.job_id;
END;
