-- Work done by people (docs/api.md, People work): providers who accept and deliver jobs, workflow steps that
-- share a reference per document and language, project states, per-project rates, and the link from
-- a people job to the document-import job that prepares its source.

CREATE TABLE providers (
  id           UUID PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  type         TEXT NOT NULL CHECK (type IN ('user', 'vendor')),
  name         TEXT NOT NULL,
  email        TEXT,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX providers_list ON providers (workspace_id, id);

-- A token of a provider sees and acts only on the jobs assigned to that provider.
ALTER TABLE api_tokens ADD COLUMN provider_id UUID REFERENCES providers (id);

ALTER TABLE jobs ADD COLUMN providers JSONB;
ALTER TABLE jobs ADD COLUMN due_at BIGINT;
ALTER TABLE jobs ADD COLUMN reference_id TEXT;
ALTER TABLE jobs ADD COLUMN workflow_level INTEGER;
ALTER TABLE jobs ADD COLUMN continuous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN import_job_id UUID;
ALTER TABLE jobs ADD COLUMN source_updated_at BIGINT;
ALTER TABLE jobs ADD COLUMN target_updated_at BIGINT;
ALTER TABLE jobs ADD COLUMN continuous_updated_at BIGINT;
CREATE INDEX jobs_import ON jobs (import_job_id) WHERE import_job_id IS NOT NULL;
CREATE INDEX jobs_reference ON jobs (workspace_id, reference_id, workflow_level) WHERE reference_id IS NOT NULL;

-- Who a people job is assigned to, as rows, so "the jobs of provider P" is an index lookup on both
-- databases (jobs.providers keeps the same list for reading).
CREATE TABLE job_providers (
  job_id      UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  provider_id UUID NOT NULL REFERENCES providers (id),
  PRIMARY KEY (job_id, provider_id)
);
CREATE INDEX job_providers_provider ON job_providers (provider_id, job_id);

-- prepared → running → finished, or cancelled.
ALTER TABLE projects ADD COLUMN state TEXT NOT NULL DEFAULT 'prepared';

CREATE TABLE project_rates (
  project_id      UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  source_language TEXT NOT NULL,
  target_language TEXT NOT NULL,
  price_per_word  DOUBLE PRECISION NOT NULL,
  currency        TEXT NOT NULL,
  PRIMARY KEY (project_id, source_language, target_language)
);

-- When a document import ends, the people jobs waiting for it learn so in the same transaction,
-- whichever code path finished the import: on success they get the word count and the price of the
-- project's rate for their language pair, and become available ('new', or 'offered' in a running
-- project when they have providers, or 'waiting' behind an earlier workflow step); on failure they
-- stay pending with the import's error; a retried import clears that error again.
CREATE FUNCTION jobline_people_import_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'succeeded' THEN
    UPDATE jobs j SET
      input = j.input || jsonb_build_object(
        'words', NEW.output -> 'words',
        'net_price', r.net_price,
        'currency', r.currency),
      status_reason = CASE
        WHEN j.status <> 'pending' OR j.status_reason <> 'input_not_ready' THEN j.status_reason
        WHEN EXISTS (SELECT 1 FROM jobs p WHERE p.workspace_id = j.workspace_id AND p.reference_id = j.reference_id
          AND p.workflow_level < j.workflow_level AND p.status <> 'succeeded') THEN 'waiting'
        WHEN jsonb_array_length(COALESCE(j.providers, '[]'::jsonb)) > 0 AND (SELECT state FROM projects WHERE id = j.project_id) = 'running' THEN 'offered'
        ELSE 'new' END,
      error = NULL,
      updated_at = NEW.updated_at,
      version = j.version + 1
    FROM (
      SELECT jj.id,
        (SELECT round(((NEW.output ->> 'words')::numeric * pr.price_per_word::numeric), 2) FROM project_rates pr
          WHERE pr.project_id = jj.project_id
            AND pr.source_language = lower(COALESCE(jj.input ->> 'source_language', NEW.output ->> 'source_language'))
            AND pr.target_language = lower(jj.input ->> 'target_language')) AS net_price,
        (SELECT pr.currency FROM project_rates pr
          WHERE pr.project_id = jj.project_id
            AND pr.source_language = lower(COALESCE(jj.input ->> 'source_language', NEW.output ->> 'source_language'))
            AND pr.target_language = lower(jj.input ->> 'target_language')) AS currency
      FROM jobs jj WHERE jj.import_job_id = NEW.id
    ) r
    WHERE j.id = r.id;
  ELSIF NEW.status IN ('failed', 'cancelled') THEN
    UPDATE jobs SET
      error = jsonb_build_object('message', 'The source document could not be imported: ' || COALESCE(NEW.error ->> 'message', 'the import was ' || NEW.status),
        'code', 'input_failed', 'import_job_id', NEW.id),
      updated_at = NEW.updated_at,
      version = version + 1
    WHERE import_job_id = NEW.id AND status = 'pending' AND status_reason = 'input_not_ready';
  ELSIF NEW.status = 'pending' AND OLD.status IN ('failed', 'cancelled') THEN
    UPDATE jobs SET error = NULL, updated_at = NEW.updated_at, version = version + 1
    WHERE import_job_id = NEW.id AND status = 'pending' AND status_reason = 'input_not_ready';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER people_import_changed AFTER UPDATE OF status ON jobs
  FOR EACH ROW WHEN (NEW.type = 'document-import' AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION jobline_people_import_changed();
