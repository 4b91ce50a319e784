-- TextKing callbacks (docs/compat.md): a job's registrations `{url, trigger_state, extra_data}`. When
-- the job reaches the trigger state the dispatcher makes a delivery of the form-encoded fields
-- `project_id`, `job_id`, `extra_data`, sent, retried and logged like any webhook delivery.

CREATE TABLE textking_callbacks (
  id            UUID PRIMARY KEY,
  workspace_id  TEXT NOT NULL,
  job_id        UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  url           TEXT NOT NULL,
  trigger_state TEXT NOT NULL CHECK (trigger_state IN ('translation-pending', 'translation-delivered', 'revision-requested', 'completed', 'canceled')),
  -- Sent back as it was given; NULL sends an empty extra_data.
  extra_data    TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX textking_callbacks_job ON textking_callbacks (job_id, id);

-- How a delivery goes on the wire: `standard-webhooks` (the event as JSON, signed with the endpoint's
-- secret) or `form` (its payload as application/x-www-form-urlencoded, unsigned: TextKing's callbacks).
ALTER TABLE webhook_deliveries ADD COLUMN format TEXT NOT NULL DEFAULT 'standard-webhooks' CHECK (format IN ('standard-webhooks', 'form'));
