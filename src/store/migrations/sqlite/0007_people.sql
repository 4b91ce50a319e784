-- Work done by people (docs/api.md, People work): providers who accept and deliver jobs, workflow steps that
-- share a reference per document and language, project states, per-project rates, and the link from
-- a people job to the document-import job that prepares its source.

CREATE TABLE providers (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  type         TEXT NOT NULL CHECK (type IN ('user', 'vendor')),
  name         TEXT NOT NULL,
  email        TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX providers_list ON providers (workspace_id, id);

-- A token of a provider sees and acts only on the jobs assigned to that provider.
ALTER TABLE api_tokens ADD COLUMN provider_id TEXT REFERENCES providers (id);

ALTER TABLE jobs ADD COLUMN providers TEXT;
ALTER TABLE jobs ADD COLUMN due_at INTEGER;
ALTER TABLE jobs ADD COLUMN reference_id TEXT;
ALTER TABLE jobs ADD COLUMN workflow_level INTEGER;
ALTER TABLE jobs ADD COLUMN continuous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN import_job_id TEXT;
ALTER TABLE jobs ADD COLUMN source_updated_at INTEGER;
ALTER TABLE jobs ADD COLUMN target_updated_at INTEGER;
ALTER TABLE jobs ADD COLUMN continuous_updated_at INTEGER;
CREATE INDEX jobs_import ON jobs (import_job_id) WHERE import_job_id IS NOT NULL;
CREATE INDEX jobs_reference ON jobs (workspace_id, reference_id, workflow_level) WHERE reference_id IS NOT NULL;

-- Who a people job is assigned to, as rows, so "the jobs of provider P" is an index lookup on both
-- databases (jobs.providers keeps the same list for reading).
CREATE TABLE job_providers (
  job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL REFERENCES providers (id),
  PRIMARY KEY (job_id, provider_id)
);
CREATE INDEX job_providers_provider ON job_providers (provider_id, job_id);

-- prepared → running → finished, or cancelled.
ALTER TABLE projects ADD COLUMN state TEXT NOT NULL DEFAULT 'prepared';

CREATE TABLE project_rates (
  project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  source_language TEXT NOT NULL,
  target_language TEXT NOT NULL,
  price_per_word  REAL NOT NULL,
  currency        TEXT NOT NULL,
  PRIMARY KEY (project_id, source_language, target_language)
);

-- When a document import ends, the people jobs waiting for it learn so in the same transaction,
-- whichever code path finished the import: on success they get the word count and the price of the
-- project's rate for their language pair, and become available ('new', or 'offered' in a running
-- project when they have providers, or 'waiting' behind an earlier workflow step); on failure they
-- stay pending with the import's error; a retried import clears that error again.
CREATE TRIGGER people_import_succeeded AFTER UPDATE OF status ON jobs
WHEN NEW.type = 'document-import' AND OLD.status IS NOT NEW.status AND NEW.status = 'succeeded'
BEGIN
  UPDATE jobs SET
    input = json_set(input,
      '$.words', json_extract(NEW.output, '$.words'),
      '$.net_price', (SELECT round(json_extract(NEW.output, '$.words') * r.price_per_word, 2) FROM project_rates r
        WHERE r.project_id = jobs.project_id
          AND r.source_language = lower(COALESCE(json_extract(jobs.input, '$.source_language'), json_extract(NEW.output, '$.source_language')))
          AND r.target_language = lower(json_extract(jobs.input, '$.target_language'))),
      '$.currency', (SELECT r.currency FROM project_rates r
        WHERE r.project_id = jobs.project_id
          AND r.source_language = lower(COALESCE(json_extract(jobs.input, '$.source_language'), json_extract(NEW.output, '$.source_language')))
          AND r.target_language = lower(json_extract(jobs.input, '$.target_language')))),
    status_reason = CASE
      WHEN status <> 'pending' OR status_reason <> 'input_not_ready' THEN status_reason
      WHEN EXISTS (SELECT 1 FROM jobs p WHERE p.workspace_id = jobs.workspace_id AND p.reference_id = jobs.reference_id
        AND p.workflow_level < jobs.workflow_level AND p.status <> 'succeeded') THEN 'waiting'
      WHEN json_array_length(COALESCE(providers, '[]')) > 0 AND (SELECT state FROM projects WHERE id = jobs.project_id) = 'running' THEN 'offered'
      ELSE 'new' END,
    error = NULL,
    updated_at = NEW.updated_at,
    version = version + 1
  WHERE import_job_id = NEW.id;
END;

CREATE TRIGGER people_import_failed AFTER UPDATE OF status ON jobs
WHEN NEW.type = 'document-import' AND OLD.status IS NOT NEW.status AND NEW.status IN ('failed', 'cancelled')
BEGIN
  UPDATE jobs SET
    error = json_object('message', 'The source document could not be imported: ' || COALESCE(json_extract(NEW.error, '$.message'), 'the import was ' || NEW.status),
      'code', 'input_failed', 'import_job_id', NEW.id),
    updated_at = NEW.updated_at,
    version = version + 1
  WHERE import_job_id = NEW.id AND status = 'pending' AND status_reason = 'input_not_ready';
END;

CREATE TRIGGER people_import_retried AFTER UPDATE OF status ON jobs
WHEN NEW.type = 'document-import' AND OLD.status IN ('failed', 'cancelled') AND NEW.status = 'pending'
BEGIN
  UPDATE jobs SET error = NULL, updated_at = NEW.updated_at, version = version + 1
  WHERE import_job_id = NEW.id AND status = 'pending' AND status_reason = 'input_not_ready';
END;
