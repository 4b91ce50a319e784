-- Timestamps are epoch milliseconds (INTEGER) on both databases: the application's injected clock
-- decides "now", so tests can drive time and both dialects compare the same numbers.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE workspaces (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  job_counter INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL UNIQUE,
  secret_hash  TEXT NOT NULL,
  scopes       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER,
  expires_at   INTEGER
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at);

CREATE TABLE projects (
  id             TEXT PRIMARY KEY,
  workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
  number         INTEGER NOT NULL,
  name           TEXT NOT NULL,
  description    TEXT,
  workflow_steps TEXT NOT NULL DEFAULT '[]',
  job_counter    INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  version        INTEGER NOT NULL DEFAULT 1,
  UNIQUE (workspace_id, number)
);
CREATE INDEX projects_list ON projects (workspace_id, id);

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  workspace_id     TEXT NOT NULL REFERENCES workspaces (id),
  project_id       TEXT REFERENCES projects (id),
  number           INTEGER NOT NULL,
  type             TEXT NOT NULL,
  name             TEXT,
  executor         TEXT NOT NULL DEFAULT 'worker',
  status           TEXT NOT NULL,
  status_reason    TEXT,
  priority         INTEGER NOT NULL DEFAULT 0,
  input            TEXT NOT NULL DEFAULT '{}',
  output           TEXT,
  error            TEXT,
  progress         REAL NOT NULL DEFAULT 0,
  progress_message TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  run_at           INTEGER NOT NULL,
  timeout_ms       INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  completed_at     INTEGER,
  updated_at       INTEGER NOT NULL,
  version          INTEGER NOT NULL DEFAULT 1
);
-- Lists page newest-first by id (UUIDv7 sorts by creation time) within a workspace.
CREATE INDEX jobs_list ON jobs (workspace_id, id);
CREATE INDEX jobs_list_project ON jobs (workspace_id, project_id, id);
CREATE INDEX jobs_list_status ON jobs (workspace_id, status, id);
CREATE INDEX jobs_list_type ON jobs (workspace_id, type, id);
-- What a worker claims next: only pending rows, best priority first, then oldest.
CREATE INDEX jobs_claim ON jobs (priority DESC, run_at, id) WHERE status = 'pending';

CREATE TABLE idempotency_keys (
  workspace_id  TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  state         TEXT NOT NULL,
  status_code   INTEGER,
  response_body TEXT,
  location      TEXT,
  locked_until  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
