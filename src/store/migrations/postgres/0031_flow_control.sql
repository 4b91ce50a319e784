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
  rate_interval_ms  BIGINT,
  rate_per_key      INTEGER NOT NULL DEFAULT 0,
  dedupe_running    INTEGER NOT NULL DEFAULT 0,
  dedupe_replace    INTEGER NOT NULL DEFAULT 0,
  paused            INTEGER NOT NULL DEFAULT 0,
  source            TEXT NOT NULL CHECK (source IN ('code', 'api')),
  version           INTEGER NOT NULL DEFAULT 1,
  updated_at        BIGINT NOT NULL,
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
  started_at    BIGINT NOT NULL
);
CREATE INDEX job_flow_starts_type ON job_flow_starts (type, started_at);

ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
ALTER TABLE jobs ADD COLUMN deduplication_key TEXT;
-- Only jobs created with a key are in it, so other jobs cost nothing more to write.
CREATE INDEX jobs_deduplication ON jobs (workspace_id, type, deduplication_key) WHERE deduplication_key IS NOT NULL;

-- The claim of types no flow control covers: jobline_claim (or jobline_claim_in_workspace) called with
-- the types that have no row, unchanged itself, so its statement and plan stay those of migrations
-- 0015 and 0026. Controlled types are claimed by the limited claim (src/store/queue/flow-claim.ts).
CREATE FUNCTION jobline_claim_free(p_workspace TEXT, p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
RETURNS TABLE (id UUID, workspace_id TEXT, project_id UUID, type TEXT, input JSONB, attempts INTEGER, max_attempts INTEGER, timeout_ms BIGINT)
LANGUAGE plpgsql
AS $$
DECLARE
  v_free TEXT[];
BEGIN
  v_free := ARRAY(
    SELECT t FROM unnest(p_types) AS t
    WHERE NOT EXISTS (
      SELECT 1 FROM job_type_flow f
      WHERE f.type = t AND (p_workspace IS NULL OR f.workspace_id = p_workspace OR f.workspace_id = '')));
  IF cardinality(v_free) = 0 THEN
    RETURN;
  END IF;
  IF p_workspace IS NULL THEN
    RETURN QUERY SELECT * FROM jobline_claim(v_free, p_limit, p_worker, p_now, p_lease_expires_at);
  ELSE
    RETURN QUERY SELECT * FROM jobline_claim_in_workspace(p_workspace, v_free, p_limit, p_worker, p_now, p_lease_expires_at);
  END IF;
END $$;
