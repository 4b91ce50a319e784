-- A job's succeeded attempt is kept in the job's own row rather than as a row of job_attempts, as on
-- PostgreSQL (its migration 0043 says why and how it is read). Jobs that succeeded before this
-- migration have no `succeeded_by` and keep their attempt row.
ALTER TABLE jobs ADD COLUMN succeeded_by TEXT;
