-- Results some job types produce beyond their output: per-row errors (bulk-import) and the segments
-- of an imported document (document-import).
CREATE TABLE job_errors (
  job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  row     INTEGER,
  field   TEXT,
  code    TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);

CREATE TABLE document_segments (
  job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  idx     INTEGER NOT NULL,
  key     TEXT,
  context TEXT,
  source  TEXT NOT NULL,
  target  TEXT,
  words   INTEGER NOT NULL,
  PRIMARY KEY (job_id, idx)
);
