-- job_events loses its primary key on `id`. Nothing looks an event up by its id: a job's events are
-- read by (job_id, seq), a workspace's feed by (workspace_id, tx, id) and the webhook dispatcher's by
-- (tx, id), each with its own index. `id` keeps its identity default, so it is still unique and still
-- orders the events of one transaction. Each job appends three events on its way through the queue,
-- so one index fewer per event is less WAL and less work for every job.
ALTER TABLE job_events DROP CONSTRAINT job_events_pkey;
