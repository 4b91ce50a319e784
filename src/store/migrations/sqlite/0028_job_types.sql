-- Job types declared without code: an input schema per workspace and type, registered through the API
-- (PUT /v1/job-types/{type}) or a JSON file at start. `version` counts the changes shown to users;
-- `revision` is new with every write and never reused (a type deleted and created again starts at
-- version 1 again), so a process recompiles a schema only when its compiled revision is not the stored one.
CREATE TABLE job_types (
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  type         TEXT NOT NULL,
  input_schema TEXT NOT NULL,
  version      INTEGER NOT NULL,
  revision     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, type)
);
