-- job_events and job_attempts lose their foreign keys to jobs; a statement trigger deletes a job's
-- events and attempts with the job instead (what ON DELETE CASCADE did).
--
-- Why: a foreign key check runs a query per inserted row and locks the job's row FOR KEY SHARE,
-- which writes that row once more (a WAL record per event). Every job appends three events and an
-- attempt on its way through the queue, all from rows that exist: events come from the triggers on
-- `jobs` in the same statement, attempts from the engine's statements that hold the job's lease.
ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
ALTER TABLE job_attempts DROP CONSTRAINT job_attempts_job_id_fkey;

CREATE FUNCTION jobline_jobs_deleted() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_events WHERE job_id IN (SELECT id FROM old_jobs);
  DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM old_jobs);
  RETURN NULL;
END $$;

CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs
  REFERENCING OLD TABLE AS old_jobs FOR EACH STATEMENT EXECUTE FUNCTION jobline_jobs_deleted();
