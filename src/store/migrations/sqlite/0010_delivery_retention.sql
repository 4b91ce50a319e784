-- What the retention sweep deletes: finished webhook deliveries, oldest first.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status IN ('succeeded', 'failed');
