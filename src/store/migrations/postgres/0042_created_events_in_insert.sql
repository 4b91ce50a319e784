-- The job.created and job.running events of new jobs are written by the job insert's own statement
-- (store/dialect/postgres-created-events.ts), as SQLite's insert writes them, rather than by a
-- trigger after it. Every job is inserted by those statements.
DROP TRIGGER IF EXISTS job_events_created ON jobs;
DROP FUNCTION IF EXISTS jobline_jobs_created();
