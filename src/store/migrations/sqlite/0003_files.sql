-- Files: uploaded inputs (not yet tied to a job) and the output files handlers write. The bytes live
-- in the data directory; this table knows where, how big, and their SHA-256.
CREATE TABLE files (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  job_id       TEXT REFERENCES jobs (id) ON DELETE CASCADE,
  role         TEXT NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER
);
CREATE UNIQUE INDEX files_job_name ON files (job_id, role, name) WHERE job_id IS NOT NULL;
CREATE INDEX files_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;

-- When a finished job was emptied by retention; such a job answers 410 Gone.
ALTER TABLE jobs ADD COLUMN expired_at INTEGER;
CREATE INDEX jobs_finished ON jobs (completed_at) WHERE completed_at IS NOT NULL AND expired_at IS NULL;
