-- Schedules create jobs from a template at the times of a cron expression (in a time zone) or an
-- interval. next_run_at is NULL while paused.
CREATE TABLE schedules (
  id            UUID PRIMARY KEY,
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
  name          TEXT,
  cron          TEXT,
  interval_ms   BIGINT,
  time_zone     TEXT NOT NULL,
  job           JSONB NOT NULL,
  missed_runs   TEXT NOT NULL CHECK (missed_runs IN ('skip', 'run_once')),
  paused        INTEGER NOT NULL DEFAULT 0,
  next_run_at   BIGINT,
  last_run_at   BIGINT,
  last_job_id   UUID,
  last_error    TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  version       INTEGER NOT NULL DEFAULT 1,
  CHECK ((cron IS NULL) <> (interval_ms IS NULL))
);
CREATE INDEX schedules_workspace ON schedules (workspace_id, id);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL;

-- One row per scheduled time that created a job: the key makes a second job for the same time
-- impossible, whichever process gets there, in the transaction that creates the job.
CREATE TABLE schedule_runs (
  schedule_id   UUID NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
  scheduled_at  BIGINT NOT NULL,
  job_id        UUID NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (schedule_id, scheduled_at)
);

-- The schedule a job was created by, and the W3C trace context it was created in.
ALTER TABLE jobs ADD COLUMN schedule_id UUID;
ALTER TABLE jobs ADD COLUMN traceparent TEXT;
ALTER TABLE jobs ADD COLUMN tracestate TEXT;

-- A job a schedule created says so in its job.created event (data.schedule_id); the function is
-- otherwise that of migration 0024.
CREATE OR REPLACE FUNCTION jobline_jobs_created() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, NULL, array_agg(id), project_id, type, 1, 'job.created', data, NULL, created_at
  FROM (
    SELECT workspace_id, id, project_id, type, created_at,
      CASE WHEN schedule_id IS NOT NULL
          THEN jsonb_build_object('status', status, 'status_reason', status_reason, 'schedule_id', schedule_id)
        WHEN status = 'running' THEN jsonb_build_object('status', 'pending', 'status_reason', 'queued')
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
