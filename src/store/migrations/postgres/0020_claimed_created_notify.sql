-- The NOTIFY that tells every process's workspace-feed followers of new jobs leaves out jobs inserted
-- already claimed by a worker of the inserting process (src/services/handoff.ts). That process sends
-- it itself once the worker has the job (Wakeups.jobsCreated), so the notification's delivery, which
-- wakes every listening connection and the processes behind them, no longer delays the job's start.
-- Everything else as in 0018.
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
  PERFORM pg_notify('jobline_events', ' ' || w.workspace_id) FROM (SELECT DISTINCT workspace_id FROM new_jobs WHERE status <> 'running') w;
  RETURN NULL;
END $$;
