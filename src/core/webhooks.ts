import { randomBytes } from 'node:crypto';

// Webhooks as the services see them. Deliveries follow Standard Webhooks
// (https://www.standardwebhooks.com/): a `webhook-id` per message, the same on every retry, and an
// HMAC-SHA256 signature over "<id>.<timestamp>.<body>" with a `whsec_` secret.

export type WebhookKind = 'endpoint' | 'callback';

export interface Webhook {
  id: string;
  workspaceId: string;
  /** `endpoint`: one URL registered for a workspace's events; `callback`: signs jobs' callback_url deliveries. */
  kind: WebhookKind;
  url: string | null;
  /** Event names or patterns (`job.*`, `*`). */
  events: string[];
  projectId: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  disabledAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

/**
 * How a delivery goes on the wire: `standard-webhooks` is the event as JSON, signed; `form` is a
 * payload already form-encoded, sent unsigned as application/x-www-form-urlencoded (TextKing's callbacks).
 */
export type DeliveryFormat = 'standard-webhooks' | 'form';

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  workspaceId: string;
  jobId: string;
  eventCursor: string;
  eventName: string;
  eventSeq: number;
  msgId: string;
  payload: string;
  url: string;
  format: DeliveryFormat;
  status: DeliveryStatus;
  attempts: number;
  roundAttempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryAttempt {
  number: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
}

/**
 * Standard Webhooks' suggested schedule: the first attempt at once, then retries after 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (about three days in all); after the last, the delivery fails.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
];

/** The old secret keeps signing this long after a rotation, so receivers can switch without a gap. */
export const PREVIOUS_SECRET_VALIDITY_MS = 24 * 3600 * 1000;

/** `whsec_` + base64 of 32 random bytes, the format the standardwebhooks libraries read. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The `webhook-id` of a delivery: `msg_` and the delivery's id without dashes ([A-Za-z0-9_] only). */
export function messageId(deliveryId: string): string {
  return `msg_${deliveryId.replace(/-/g, '')}`;
}

/** What a job's event looks like on the wire (Standard Webhooks' `{type, timestamp, data}`). */
export function webhookPayload(e: {
  name: string;
  createdAt: number;
  jobId: string;
  jobType: string;
  projectId: string | null;
  seq: number;
  data: Record<string, unknown>;
}): string {
  return JSON.stringify({
    type: e.name,
    timestamp: new Date(e.createdAt).toISOString(),
    data: { job_id: e.jobId, job_type: e.jobType, project_id: e.projectId, seq: e.seq, ...e.data },
  });
}
