import { toIso } from '../../core/clock.js';
import type { Webhook } from '../../core/webhooks.js';
import type { DeliveryWithAttempts } from '../../services/webhooks.js';

/** A webhook as clients see it: never its secrets. */
export function webhookRepresentation(w: Webhook, now: number) {
  return {
    id: w.id,
    kind: w.kind,
    url: w.url,
    events: w.events,
    project_id: w.projectId,
    disabled: w.disabledAt !== null,
    disabled_at: toIso(w.disabledAt),
    disabled_reason: w.disabledReason,
    previous_secret_expires_at:
      w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > now ? toIso(w.previousSecretExpiresAt) : null,
    created_at: toIso(w.createdAt)!,
    updated_at: toIso(w.updatedAt)!,
  };
}

export function deliveryRepresentation(d: DeliveryWithAttempts) {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    msg_id: d.msgId,
    job_id: d.jobId,
    event: d.eventName,
    seq: d.eventSeq,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? toIso(d.nextAttemptAt) : null,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    payload: d.payload,
    content_type: d.format === 'form' ? ('application/x-www-form-urlencoded' as const) : ('application/json' as const),
    created_at: toIso(d.createdAt)!,
    updated_at: toIso(d.updatedAt)!,
    attempt_history: d.attemptHistory.map((a) => ({
      number: a.number,
      started_at: toIso(a.startedAt)!,
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      response_body: a.responseBody,
      error: a.error,
    })),
  };
}
