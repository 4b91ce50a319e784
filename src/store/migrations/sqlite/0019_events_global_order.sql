-- On SQLite every event's tx is 0, so the global (tx, id) order the webhook dispatcher reads is the
-- order of id, the table's own key (src/store/webhook-dispatch.ts reads it so): this index only cost
-- every event one more B-tree insert.
DROP INDEX job_events_global;
