-- One event-log layout on both databases: the job.created events of one insert become batch rows too,
-- as on PostgreSQL (its migrations 0024 and 0030), beside the claim's and the completion's status
-- events (migration 0025): one job_events row per group of jobs whose event is the same but for the
-- job, job_id NULL and job_ids listing them. The job inserts write them (src/store/created-events.ts),
-- with the job.running event of a job inserted claimed as a row of its own (seq 2), as PostgreSQL's
-- trigger does; this trigger wrote one row per job, or two. A job's timeline finds its batched created
-- event by the job's created_at, through the index on the batch rows' created_at.
--
-- Rows written before keep their shape and read as they did.
DROP TRIGGER job_events_created;
