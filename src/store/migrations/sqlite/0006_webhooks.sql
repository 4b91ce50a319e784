-- Webhooks: endpoints a workspace registers, and the one "callback" endpoint per workspace whose
-- secret signs deliveries to the callback_url of single jobs. Deliveries are durable rows the sender
-- claims, retries and logs attempt by attempt; the dispatcher turns job_events into deliveries.

-- The URL that receives this job's events (what Phrase calls callbackUrl).
ALTER TABLE jobs ADD COLUMN callback_url TEXT;

CREATE TABLE webhooks (
  id                         TEXT PRIMARY KEY,
  workspace_id               TEXT NOT NULL REFERENCES workspaces (id),
  kind                       TEXT NOT NULL CHECK (kind IN ('endpoint', 'callback')),
  -- NULL for the callback endpoint: each job names its own URL.
  url                        TEXT,
  events                     TEXT NOT NULL,
  project_id                 TEXT REFERENCES projects (id) ON DELETE CASCADE,
  secret                     TEXT NOT NULL,
  -- After a rotation the old secret signs too, until it expires (24 h).
  previous_secret            TEXT,
  previous_secret_expires_at INTEGER,
  disabled_at                INTEGER,
  disabled_reason            TEXT,
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id, id);
CREATE UNIQUE INDEX webhooks_one_callback ON webhooks (workspace_id) WHERE kind = 'callback';

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  workspace_id     TEXT NOT NULL,
  job_id           TEXT NOT NULL,
  event_cursor     TEXT NOT NULL,
  event_name       TEXT NOT NULL,
  event_seq        INTEGER NOT NULL,
  -- webhook-id: the same on every attempt and replay, so a receiver can drop duplicates.
  msg_id           TEXT NOT NULL UNIQUE,
  -- The exact bytes signed and sent, so retries and replays send them again unchanged.
  payload          TEXT NOT NULL,
  url              TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  -- Attempts since the delivery was created or last replayed: the position in the retry schedule.
  round_attempts   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  -- A re-read of the event log never creates a second delivery of one event to one endpoint.
  UNIQUE (webhook_id, event_cursor)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
-- The sender's "is an earlier event of this job still on its way to this receiver?" check.
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (webhook_id, job_id, event_seq) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
  delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  number        INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  duration_ms   INTEGER NOT NULL,
  status_code   INTEGER,
  -- At most 1 KiB of the receiver's answer.
  response_body TEXT,
  error         TEXT,
  PRIMARY KEY (delivery_id, number)
);

-- Where the dispatcher stands in the global event order. One row; the dispatcher locks it, so one
-- process at a time turns events into deliveries and the cursor moves in the same transaction.
CREATE TABLE webhook_dispatch (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  tx       INTEGER NOT NULL,
  event_id INTEGER NOT NULL
);
-- Start after the events that exist now: endpoints registered later are not sent the past.
INSERT INTO webhook_dispatch (id, tx, event_id)
SELECT 1, COALESCE(max(tx), 0), COALESCE(max(id), 0) FROM job_events;

-- The dispatcher reads every workspace's events in (tx, id) order.
CREATE INDEX job_events_global ON job_events (tx, id);
