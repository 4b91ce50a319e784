import type { ColumnType, Generated } from 'kysely';
import type { DeliveryFormat } from '../core/webhooks.js';

// Row types of the webhook tables as Kysely sees them (see schema.ts).
type Json = ColumnType<unknown, string, string>;

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  kind: 'endpoint' | 'callback';
  url: string | null;
  events: Json;
  project_id: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  workspace_id: string;
  job_id: string;
  event_cursor: string;
  event_name: string;
  event_seq: number;
  msg_id: string;
  payload: string;
  url: string;
  status: 'pending' | 'sending' | 'succeeded' | 'failed';
  attempts: Generated<number>;
  round_attempts: Generated<number>;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** `form` for TextKing's callbacks (migration 0011). */
  format: Generated<DeliveryFormat>;
}

export interface TextKingCallbacksTable {
  id: string;
  workspace_id: string;
  job_id: string;
  url: string;
  trigger_state: string;
  extra_data: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  number: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
}

export interface WebhookDispatchTable {
  id: number;
  tx: number;
  event_id: number;
  event_k: Generated<number>;
}
