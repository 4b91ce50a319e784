-- The job.running events of one claim, and the job.succeeded events of one completion batch, become
-- one job_events row per (workspace, project, type, seq, attempt, error): job_id is NULL and job_ids
-- lists the jobs as a JSON array, which the readers in events.ts, webhook-dispatch.ts, stats.ts and
-- textking-callbacks.ts expand into one event per job (as PostgreSQL's batched created events,
-- its migration 0024). A row per job and its index entries were a large part of the store's work per
-- job (docs/benchmarks.md, findings): the claim and the completion write them
-- themselves now (src/store/queue.ts, src/store/status-event-batches.ts).
--
-- Rebuilding job_events copies the whole event log once, at the first start after an upgrade; the
-- AUTOINCREMENT counter is carried over, so no id handed out before is handed out again (the webhook
-- dispatcher's cursor and clients' feed cursors are ids).
PRAGMA legacy_alter_table = ON;

CREATE TABLE job_events_rebuilt (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  tx           INTEGER NOT NULL DEFAULT 0,
  workspace_id TEXT NOT NULL,
  job_id       TEXT REFERENCES jobs (id) ON DELETE CASCADE,
  -- A batch row's jobs, in the order their events take in the feed (k is the index).
  job_ids      TEXT,
  project_id   TEXT,
  job_type     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  name         TEXT NOT NULL,
  data         TEXT NOT NULL,
  actor        TEXT,
  created_at   INTEGER NOT NULL,
  UNIQUE (job_id, seq),
  CHECK ((job_id IS NULL) <> (job_ids IS NULL))
);
INSERT INTO job_events_rebuilt (id, tx, workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
SELECT id, tx, workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at FROM job_events ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'job_events_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'job_events_rebuilt', max(seq) FROM (
  SELECT seq FROM sqlite_sequence WHERE name = 'job_events' UNION ALL SELECT COALESCE(max(id), 0) FROM job_events);
DROP TABLE job_events;
ALTER TABLE job_events_rebuilt RENAME TO job_events;
PRAGMA legacy_alter_table = OFF;

CREATE INDEX job_events_feed ON job_events (workspace_id, tx, id);
-- A job's timeline finds its batch rows by their time (jobs.claim_times, jobs.completed_at).
CREATE INDEX job_events_batches ON job_events (created_at) WHERE job_id IS NULL;

-- The seq of the job's newest event. Writers of batch rows take the next seq from here instead of
-- looking up max(seq) (which no longer sees batch rows): the claim and the completion bump it in
-- their UPDATE; every other writer (the triggers below, appendEvent) bumps it too.
ALTER TABLE jobs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 1;
UPDATE jobs SET event_seq = COALESCE((SELECT max(seq) FROM job_events WHERE job_id = jobs.id), 1);
-- The times of the claims whose job.running event is a batch row, comma-separated: the index above
-- finds those rows by them.
ALTER TABLE jobs ADD COLUMN claim_times TEXT;

-- An UPDATE that bumps event_seq writes its own events (the claim and the completion); the trigger
-- appends an event for every other status change, taking its seq from the counter it bumps. The
-- other triggers do the same. Their bodies are otherwise those of migration 0021.
DROP TRIGGER job_events_status;
CREATE TRIGGER job_events_status AFTER UPDATE OF status, status_reason ON jobs
WHEN (OLD.status IS NOT NEW.status OR OLD.status_reason IS NOT NEW.status_reason) AND OLD.event_seq = NEW.event_seq
BEGIN
  UPDATE jobs SET event_seq = event_seq + 1 WHERE id = NEW.id;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
    (SELECT event_seq FROM jobs WHERE id = NEW.id),
    'job.' || NEW.status,
    json_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', OLD.status,
      'attempt', NEW.attempts, 'error', json(NEW.error)),
    CASE WHEN NEW.status = 'running' THEN NEW.lease_owner END, NEW.updated_at);
  SELECT jobline_event_added(NEW.id, NEW.workspace_id);
END;

DROP TRIGGER job_events_progress;
CREATE TRIGGER job_events_progress AFTER UPDATE OF progress, progress_message ON jobs
WHEN OLD.status IS NEW.status AND (OLD.progress IS NOT NEW.progress OR OLD.progress_message IS NOT NEW.progress_message)
BEGIN
  UPDATE jobs SET event_seq = event_seq + 1 WHERE id = NEW.id;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
    (SELECT event_seq FROM jobs WHERE id = NEW.id),
    'job.progress', json_object('progress', NEW.progress, 'message', NEW.progress_message), NEW.lease_owner, NEW.updated_at);
  SELECT jobline_event_added(NEW.id, NEW.workspace_id);
END;

DROP TRIGGER job_events_attempt_failed;
CREATE TRIGGER job_events_attempt_failed AFTER INSERT ON job_attempts
WHEN NEW.outcome IN ('failed', 'timed_out', 'lease_expired')
BEGIN
  UPDATE jobs SET event_seq = event_seq + 1 WHERE id = NEW.job_id;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT j.workspace_id, j.id, j.project_id, j.type, j.event_seq,
    'job.attempt.failed',
    json_object('attempt', NEW.number, 'outcome', NEW.outcome, 'error', json_object('message', NEW.error_message, 'code', NEW.error_code)),
    NEW.worker, COALESCE(NEW.finished_at, NEW.started_at)
  FROM jobs j WHERE j.id = NEW.job_id;
  SELECT jobline_event_added(j.id, j.workspace_id) FROM jobs j WHERE j.id = NEW.job_id;
END;

DROP TRIGGER job_events_file_added;
CREATE TRIGGER job_events_file_added AFTER INSERT ON files
WHEN NEW.job_id IS NOT NULL AND NEW.role = 'output'
BEGIN
  UPDATE jobs SET event_seq = event_seq + 1 WHERE id = NEW.job_id;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT j.workspace_id, j.id, j.project_id, j.type, j.event_seq,
    'job.file.added',
    json_object('file', json_object('id', NEW.id, 'name', NEW.name, 'content_type', NEW.content_type, 'size', NEW.size, 'sha256', NEW.sha256)),
    j.lease_owner, NEW.created_at
  FROM jobs j WHERE j.id = NEW.job_id;
  SELECT jobline_event_added(j.id, j.workspace_id) FROM jobs j WHERE j.id = NEW.job_id;
END;
