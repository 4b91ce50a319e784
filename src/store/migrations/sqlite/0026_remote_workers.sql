-- A worker token (scope jobs:work) may be restricted to some job types: a JSON array, NULL for any.
ALTER TABLE api_tokens ADD COLUMN job_types TEXT;
