-- The events' wake-up (jobline_event_added, a call into JavaScript that tells this process's followers
-- and the webhook dispatcher) moves from a trigger on job_events into the triggers that append events,
-- and leaves out job.created events: the job inserts announce those once per statement
-- (Wakeups.jobsCreated, called by createJobs in src/services/jobs.ts; appendEvent announces the
-- events it appends itself). A trigger runs a program per row even when its WHEN clause
-- skips it, so the trigger on job_events cost every event, and its call cost every new job.
-- The trigger bodies are otherwise those of migration 0005.
DROP TRIGGER job_events_notify;

DROP TRIGGER job_events_status;
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
  SELECT jobline_event_added(NEW.id, NEW.workspace_id);
END;

DROP TRIGGER job_events_progress;
CREATE TRIGGER job_events_progress AFTER UPDATE OF progress, progress_message ON jobs
WHEN OLD.status IS NEW.status AND (OLD.progress IS NOT NEW.progress OR OLD.progress_message IS NOT NEW.progress_message)
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type,
    COALESCE((SELECT max(seq) FROM job_events WHERE job_id = NEW.id), 0) + 1,
    'job.progress', json_object('progress', NEW.progress, 'message', NEW.progress_message), NEW.lease_owner, NEW.updated_at);
  SELECT jobline_event_added(NEW.id, NEW.workspace_id);
END;

DROP TRIGGER job_events_attempt_failed;
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
  SELECT jobline_event_added(j.id, j.workspace_id) FROM jobs j WHERE j.id = NEW.job_id;
END;

DROP TRIGGER job_events_file_added;
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
  SELECT jobline_event_added(j.id, j.workspace_id) FROM jobs j WHERE j.id = NEW.job_id;
END;
