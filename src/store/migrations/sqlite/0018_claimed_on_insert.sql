-- A job created while a worker of the same process is idle is inserted already claimed by it
-- (src/services/handoff.ts): its row is 'running' from its first version, which saves the claim's
-- UPDATE (the row and its index entries written twice). Its events stay those of a job created
-- pending and then claimed: job.created (pending, queued), then job.running with the worker as actor,
-- in that order (one trigger, so the created event always gets the lower id).
DROP TRIGGER job_events_created;
CREATE TRIGGER job_events_created AFTER INSERT ON jobs
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  VALUES (NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 1, 'job.created',
    CASE WHEN NEW.status = 'running' THEN json_object('status', 'pending', 'status_reason', 'queued')
      ELSE json_object('status', NEW.status, 'status_reason', NEW.status_reason) END,
    NULL, NEW.created_at);
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT NEW.workspace_id, NEW.id, NEW.project_id, NEW.type, 2, 'job.running',
    json_object('status', NEW.status, 'status_reason', NEW.status_reason, 'previous_status', 'pending',
      'attempt', NEW.attempts, 'error', json(NEW.error)),
    NEW.lease_owner, NEW.created_at
  WHERE NEW.status = 'running';
END;
