-- The status trigger of migration 0037, telling listeners of the changed jobs in fewer NOTIFYs: one
-- per 100 jobs of a workspace, the payload "<job id>,<job id>,… <workspace id>", rather than one per
-- job. Each NOTIFY is queued, deduplicated, written to the notification queue at commit, read by
-- every listening connection and sent to its process as a message of its own; a claim or completion
-- of a batch of jobs sent as many. A hundred uuids and a workspace id stay well inside the size
-- limit of a payload.
-- Listeners (store/wakeups.ts) split the list, so each job is still heard of, and a lone job's
-- payload reads as before.
CREATE OR REPLACE FUNCTION jobline_jobs_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  appended BIGINT;
BEGIN
  WITH changed AS (
    SELECT n.id, n.workspace_id, n.project_id, n.type, n.status, n.status_reason, n.attempts, n.error,
      n.progress, n.progress_message, n.lease_owner, n.updated_at, n.event_seq, o.status AS previous_status,
      (o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason) AS status_changed,
      n.event_seq IS DISTINCT FROM o.event_seq AS batched
    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
    WHERE o.status IS DISTINCT FROM n.status OR o.status_reason IS DISTINCT FROM n.status_reason
      OR o.progress IS DISTINCT FROM n.progress OR o.progress_message IS DISTINCT FROM n.progress_message
  ), own_events AS (
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT c.workspace_id, c.id, c.project_id, c.type,
      GREATEST(c.event_seq, COALESCE((SELECT max(e.seq) FROM job_events e WHERE e.job_id = c.id), 1)) + 1,
      CASE WHEN c.status_changed THEN 'job.' || c.status ELSE 'job.progress' END,
      CASE WHEN c.status_changed
        THEN jsonb_build_object('status', c.status, 'status_reason', c.status_reason, 'previous_status', c.previous_status,
          'attempt', c.attempts, 'error', c.error)
        ELSE jsonb_build_object('progress', c.progress, 'message', c.progress_message) END,
      CASE WHEN NOT c.status_changed OR c.status = 'running' THEN c.lease_owner END,
      c.updated_at
    FROM changed c WHERE NOT (c.batched AND c.status_changed)
    RETURNING job_id, workspace_id
  ), batch_events AS (
    INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
    SELECT b.workspace_id, NULL, array_agg(b.id), b.project_id, b.type, b.event_seq, 'job.' || b.status,
      jsonb_build_object('status', b.status, 'status_reason', b.status_reason, 'previous_status', b.previous_status,
        'attempt', b.attempts, 'error', b.error),
      b.actor, b.updated_at
    FROM (
      SELECT c.workspace_id, c.id, c.project_id, c.type, c.event_seq, c.status, c.status_reason, c.previous_status,
        c.attempts, c.error, c.updated_at, CASE WHEN c.status = 'running' THEN c.lease_owner END AS actor
      FROM changed c WHERE c.batched AND c.status_changed
    ) b
    GROUP BY b.workspace_id, b.project_id, b.type, b.event_seq, b.status, b.status_reason, b.previous_status,
      b.attempts, b.error, b.actor, b.updated_at
    RETURNING job_ids
  )
  SELECT count(pg_notify('jobline_events', array_to_string(n.ids[s.i : s.i + 99], ',') || ' ' || n.workspace_id))
  INTO appended
  FROM (
    SELECT a.workspace_id, array_agg(a.job_id) AS ids FROM (
      SELECT job_id, workspace_id FROM own_events
      UNION ALL
      SELECT c.id, c.workspace_id FROM changed c WHERE c.batched AND c.status_changed
    ) a GROUP BY a.workspace_id
  ) n CROSS JOIN LATERAL generate_series(1, cardinality(n.ids), 100) AS s(i);
  RETURN NULL;
END $$;
