-- The dispatcher's cursor gains the position inside a batched created event, as on PostgreSQL
-- (its migration 0024). SQLite appends one created event per job, so it stays 0 here; the column
-- keeps both databases' tables alike for the code that reads and moves the cursor.
ALTER TABLE webhook_dispatch ADD COLUMN event_k INTEGER NOT NULL DEFAULT 0;
