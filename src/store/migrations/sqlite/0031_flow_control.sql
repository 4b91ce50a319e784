-- Flow control of job types (docs/flow-control.md): limits the claim enforces across every worker, a
-- pause, and how creates with a deduplication key behave. workspace_id '' holds what code declares
-- (defineJob's `flow`) for every workspace; a workspace's own row, set through the API, replaces it
-- there. A type with no row in a workspace is not controlled there.
CREATE TABLE job_type_flow (
  workspace_id      TEXT NOT NULL,
  type              TEXT NOT NULL,
  concurrency       INTEGER,
  key_concurrency   INTEGER,
  rate_limit        INTEGER,
  rate_interval_ms  INTEGER,
  rate_per_key      INTEGER NOT NULL DEFAULT 0,
  dedupe_running    INTEGER NOT NULL DEFAULT 0,
  dedupe_replace    INTEGER NOT NULL DEFAULT 0,
  paused            INTEGER NOT NULL DEFAULT 0,
  source            TEXT NOT NULL CHECK (source IN ('code', 'api')),
  version           INTEGER NOT NULL DEFAULT 1,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, type),
  CHECK ((rate_limit IS NULL) = (rate_interval_ms IS NULL))
);
CREATE INDEX job_type_flow_type ON job_type_flow (type);

-- The starts of rate-limited types within their interval: the claim counts them (a sliding window)
-- and removes those that left it. flow_key is '' for a limit on the type, else the job's key.
CREATE TABLE job_flow_starts (
  workspace_id  TEXT NOT NULL,
  type          TEXT NOT NULL,
  flow_key      TEXT NOT NULL,
  started_at    INTEGER NOT NULL
);
CREATE INDEX job_flow_starts_type ON job_flow_starts (type, started_at);

ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
ALTER TABLE jobs ADD COLUMN deduplication_key TEXT;
-- Only jobs created with a key are in it, so other jobs cost nothing more to write.
CREATE INDEX jobs_deduplication ON jobs (workspace_id, type, deduplication_key) WHERE deduplication_key IS NOT NULL;
