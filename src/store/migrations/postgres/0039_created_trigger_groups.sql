-- The created trigger of migration 0027, writing its rows with less work per inserted job: the
-- data of a batch row is built once per group rather than once per job and then grouped on, as
-- migration 0037 does for status changes. Grouping on the values the data is built from makes the
-- same groups: a job inserted claimed counts as pending and queued unless a schedule created it, as
-- before, so the data is equal exactly when those values are.
-- A group of one job is written as that job's own row (job_id set, no job_ids), as SQLite's insert
-- does: a batch row of one saves no row but adds an entry to the index of batch rows and one at the
-- NULL end of the (job_id, seq) key, away from the job's other events, and a job created alone (the
-- pickup path) is nearly always such a group. Readers read both shapes, and retention deletes a job's
-- own rows with the job.
CREATE OR REPLACE FUNCTION jobline_jobs_created() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id,
    CASE WHEN cardinality(ids) = 1 THEN ids[1] END,
    CASE WHEN cardinality(ids) > 1 THEN ids END,
    project_id, type, 1, 'job.created',
    CASE WHEN schedule_id IS NOT NULL
        THEN jsonb_build_object('status', status, 'status_reason', status_reason, 'schedule_id', schedule_id)
      ELSE jsonb_build_object('status', status, 'status_reason', status_reason) END,
    NULL, created_at
  FROM (
    SELECT workspace_id, project_id, type, created_at, status, status_reason, schedule_id, array_agg(id) AS ids
    FROM (
      SELECT workspace_id, id, project_id, type, created_at, schedule_id,
        CASE WHEN status = 'running' AND schedule_id IS NULL THEN 'pending' ELSE status END AS status,
        CASE WHEN status = 'running' AND schedule_id IS NULL THEN 'queued' ELSE status_reason END AS status_reason
      FROM new_jobs
    ) n
    GROUP BY workspace_id, project_id, type, created_at, status, status_reason, schedule_id
  ) g;
  INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, id, project_id, type, 2, 'job.running',
    jsonb_build_object('status', status, 'status_reason', status_reason, 'previous_status', 'pending', 'attempt', attempts, 'error', error),
    lease_owner, created_at
  FROM new_jobs WHERE status = 'running';
  PERFORM pg_notify('jobline_events', ' ' || w.workspace_id) FROM (SELECT DISTINCT workspace_id FROM new_jobs WHERE status <> 'running') w;
  RETURN NULL;
END $$;
