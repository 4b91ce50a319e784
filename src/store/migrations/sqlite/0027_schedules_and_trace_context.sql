-- Schedules create jobs from a template at the times of a cron expression (in a time zone) or an
-- interval. next_run_at is NULL while paused.
CREATE TABLE schedules (
  id            TEXT PRIMARY KEY,
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
  name          TEXT,
  cron          TEXT,
  interval_ms   INTEGER,
  time_zone     TEXT NOT NULL,
  job           TEXT NOT NULL,
  missed_runs   TEXT NOT NULL CHECK (missed_runs IN ('skip', 'run_once')),
  paused        INTEGER NOT NULL DEFAULT 0,
  next_run_at   INTEGER,
  last_run_at   INTEGER,
  last_job_id   TEXT,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1,
  CHECK ((cron IS NULL) <> (interval_ms IS NULL))
);
CREATE INDEX schedules_workspace ON schedules (workspace_id, id);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL;

-- One row per scheduled time that created a job: the key makes a second job for the same time
-- impossible, whichever process gets there, in the transaction that creates the job.
CREATE TABLE schedule_runs (
  schedule_id   TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  scheduled_at  INTEGER NOT NULL,
  job_id        TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, scheduled_at)
);

-- The schedule a job was created by, and the W3C trace context it was created in.
ALTER TABLE jobs ADD COLUMN schedule_id TEXT;
ALTER TABLE jobs ADD COLUMN traceparent TEXT;
ALTER TABLE jobs ADD COLUMN tracestate TEXT;

-- A job a schedule created says so in its job.created event (data.schedule_id); the trigger is
-- otherwise that of migration 0018.
DROP TRIGGER job_events_created;
CREATE TRIGGER job_events_created AFTER INSERT ON jobs
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 1, 'job.created',
    CASE WHEN NEW.schedule_id IS NOT NULL
      THEN json_object('status', NEW.status, 'status_reason', NEW.status_reason, 'schedule_id', NEW.schedule_id)
      WHEN NEW.status = 'running' THEN json_object('status', 'pending', 'status_reason', 'queued')
      ELSE json_object('status', NEW.status, 'status_reason', NEW.status_reason) END,
    NULL, NEW.created_at);
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 2, 'job.running',
    json_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', 'pending',
      'attempt', NEW.attempts, 'error', json(NEW.error)),
    NEW.lease_owner, NEW.created_at
  WHERE NEW.status = 'running';
END;
