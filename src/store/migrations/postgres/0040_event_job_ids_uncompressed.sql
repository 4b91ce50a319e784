-- A batch row's job ids (migrations 0024 and 0030) are a uuid array of a few kilobytes, past the
-- size at which PostgreSQL compresses a value before moving it out of line. With the default
-- compression (pglz) that is a visible share of the statement's CPU, paid on every insert and
-- every claim or completion batch, and uuids compress little. EXTERNAL moves them out of line as they
-- are, which every PostgreSQL supports; rows written before keep their compressed arrays, which read
-- the same.
ALTER TABLE job_events ALTER COLUMN job_ids SET STORAGE EXTERNAL;
