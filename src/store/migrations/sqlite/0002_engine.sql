-- The engine: every attempt of a job, the jobs a job waits for, and what the lease reaper scans.

CREATE TABLE job_attempts (
  job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  number        INTEGER NOT NULL,
  worker        TEXT,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  outcome       TEXT NOT NULL,
  error_message TEXT,
  error_code    TEXT,
  error_stack   TEXT,
  -- A retried job counts its attempts from 1 again; the start time keeps each round apart.
  PRIMARY KEY (job_id, started_at, number)
);

CREATE TABLE job_dependencies (
  job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  depends_on_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  PRIMARY KEY (job_id, depends_on_id)
);
CREATE INDEX job_dependencies_reverse ON job_dependencies (depends_on_id);

-- When the current attempt started (started_at keeps the first one).
ALTER TABLE jobs ADD COLUMN attempt_started_at INTEGER;
-- Leases that can expire: only running and cancelling jobs hold one.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE lease_owner IS NOT NULL;
