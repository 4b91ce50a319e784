-- A job created while a worker of the same process is idle is inserted already claimed by it
-- (src/services/handoff.ts): its row is 'running' from its first version. Its events stay those of a job
-- created pending and then claimed, as on SQLite (its migration 0018): job.created (pending, queued),
-- then job.running with the worker as actor.
CREATE OR REPLACE FUNCTION jobline_jobs_created() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, id, project_id, type, 1, 'job.created',
    CASE WHEN status = 'running' THEN jsonb_build_object('status', 'pending', 'status_reason', 'queued')
      ELSE jsonb_build_object('status', status, 'status_reason', status_reason) END,
    NULL, created_at
  FROM new_jobs
  UNION ALL
  SELECT workspace_id, id, project_id, type, 2, 'job.running',
    jsonb_build_object('status', status, 'status_reason', status_reason, 'previous_status', 'pending', 'attempt', attempts, 'error', error),
    lease_owner, created_at
  FROM new_jobs WHERE status = 'running';
  PERFORM pg_notify('jobline_events', ' ' || w.workspace_id) FROM (SELECT DISTINCT workspace_id FROM new_jobs) w;
  RETURN NULL;
END $$;
