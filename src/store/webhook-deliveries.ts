import { sql, type Selectable } from 'kysely';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery } from '../core/webhooks.js';
import type { WebhookDeliveriesTable } from './schema.js';
import type { Executor, Store } from './store.js';

// Deliveries are durable: the dispatcher inserts them in the transaction that moves its cursor, the
// sender claims them with a lease, and every attempt is a row. While a delivery is `sending`, its
// `next_attempt_at` is its lease's expiry, so "due" is one index range for fresh and abandoned ones.

type DeliveryRow = Selectable<WebhookDeliveriesTable>;

// The status lists are literals, not parameters: a partial index (`WHERE status IN (...)`) is only
// used when the planner can see that the query's condition implies the index's, which SQLite (and a
// generic PostgreSQL plan) cannot with a bound parameter; the claim would then scan every delivery.
const dueOrSending = (alias: 'd' | 'e') => sql<boolean>`${sql.ref(`${alias}.status`)} IN ('pending', 'sending')`;

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    workspaceId: r.workspace_id,
    jobId: r.job_id,
    eventCursor: r.event_cursor,
    eventName: r.event_name,
    eventSeq: Number(r.event_seq),
    msgId: r.msg_id,
    payload: r.payload,
    url: r.url,
    format: r.format,
    status: r.status,
    attempts: Number(r.attempts),
    roundAttempts: Number(r.round_attempts),
    nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** What a new delivery is made of; the rest of a WebhookDelivery is its progress. `format` defaults to `standard-webhooks`. */
export type NewDelivery = Pick<
  WebhookDelivery,
  'id' | 'webhookId' | 'workspaceId' | 'jobId' | 'eventCursor' | 'eventName' | 'eventSeq' | 'msgId' | 'payload' | 'url'
> &
  Partial<Pick<WebhookDelivery, 'format'>>;

/** Inserts deliveries due now; one already made for the same event and endpoint is left alone. */
export async function insertDeliveries(db: Executor, deliveries: NewDelivery[], now: number): Promise<void> {
  // 15 parameters a row; SQLite allows 32,766 per statement and PostgreSQL 65,535.
  for (let i = 0; i < deliveries.length; i += 500) {
    await db
      .insertInto('webhook_deliveries')
      .values(
        deliveries.slice(i, i + 500).map((d) => ({
          id: d.id,
          webhook_id: d.webhookId,
          workspace_id: d.workspaceId,
          job_id: d.jobId,
          event_cursor: d.eventCursor,
          event_name: d.eventName,
          event_seq: d.eventSeq,
          msg_id: d.msgId,
          payload: d.payload,
          url: d.url,
          format: d.format ?? 'standard-webhooks',
          status: 'pending' as const,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['webhook_id', 'event_cursor']).doNothing())
      .execute();
  }
}

/**
 * Takes up to `limit` due deliveries of enabled endpoints, oldest due first, but never one while an
 * earlier event of the same job is still pending or being sent to the same endpoint: each receiver
 * gets a job's events in order. PostgreSQL skips rows other senders hold (SKIP LOCKED); on SQLite
 * the UPDATE holds the one write lock.
 */
export async function claimDeliveries(
  store: Store,
  o: { owner: string; limit: number; leaseMs: number; now: number },
): Promise<WebhookDelivery[]> {
  if (o.limit <= 0) return [];
  const rows = await store.db
    .updateTable('webhook_deliveries')
    .set({
      status: 'sending',
      lease_owner: o.owner,
      lease_expires_at: o.now + o.leaseMs,
      next_attempt_at: o.now + o.leaseMs,
      updated_at: o.now,
    })
    .where('id', 'in', (eb) => {
      const q = eb
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
        .select('d.id')
        .where(dueOrSending('d'))
        .where('d.next_attempt_at', '<=', o.now)
        .where('w.disabled_at', 'is', null)
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('webhook_deliveries as e')
                .select('e.id')
                .whereRef('e.webhook_id', '=', 'd.webhook_id')
                .whereRef('e.job_id', '=', 'd.job_id')
                .whereRef('e.event_seq', '<', 'd.event_seq')
                .where(dueOrSending('e')),
            ),
          ),
        )
        .orderBy('d.next_attempt_at')
        .orderBy('d.id')
        .limit(o.limit);
      return store.dialect.lockSkippingHeld(q, 'd');
    })
    .where('status', 'in', ['pending', 'sending'])
    .where('next_attempt_at', '<=', o.now)
    .returningAll()
    .execute();
  return rows.map(toDelivery);
}

export interface Outcome {
  deliveryId: string;
  attempt: Omit<DeliveryAttempt, 'number'>;
  /** What becomes of the delivery: done, retried at `retryAt`, or failed for good. */
  status: Exclude<DeliveryStatus, 'sending'>;
  retryAt?: number;
}

/** Writes the attempts and the deliveries' new states, guarded by the lease; returns how many were still held. */
export async function recordOutcomes(db: Executor, owner: string, outcomes: Outcome[], now: number): Promise<number> {
  let held = 0;
  for (const o of outcomes) {
    const row = await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        status: o.status,
        attempts: eb('attempts', '+', 1),
        round_attempts: eb('round_attempts', '+', 1),
        next_attempt_at: o.status === 'pending' ? (o.retryAt ?? now) : null,
        lease_owner: null,
        lease_expires_at: null,
        last_status_code: o.attempt.statusCode,
        last_error: o.attempt.error,
        updated_at: now,
      }))
      .where('id', '=', o.deliveryId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'sending')
      .returning('attempts')
      .executeTakeFirst();
    if (row === undefined) continue; // the lease ran out and another sender took the delivery over
    held++;
    await db
      .insertInto('webhook_attempts')
      .values({
        delivery_id: o.deliveryId,
        number: Number(row.attempts),
        started_at: o.attempt.startedAt,
        duration_ms: o.attempt.durationMs,
        status_code: o.attempt.statusCode,
        response_body: o.attempt.responseBody,
        error: o.attempt.error,
      })
      .execute();
  }
  return held;
}

/** The pending deliveries of an endpoint that went away (410) fail with it; a callback URL's, those of its job to it. */
export async function failPendingDeliveries(
  db: Executor,
  webhookId: string,
  reason: string,
  now: number,
  only?: { jobId: string; url: string },
): Promise<void> {
  let q = db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', next_attempt_at: null, last_error: reason, updated_at: now })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending');
  if (only !== undefined) q = q.where('job_id', '=', only.jobId).where('url', '=', only.url);
  await q.execute();
}

export async function findDelivery(db: Executor, webhookId: string, id: string): Promise<WebhookDelivery | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', id)
    .where('webhook_id', '=', webhookId)
    .executeTakeFirst();
  return row === undefined ? undefined : toDelivery(row);
}

/** An endpoint's deliveries, newest first, keyset-paged by id. */
export async function listDeliveriesAfter(
  db: Executor,
  webhookId: string,
  filter: { status?: DeliveryStatus | undefined; jobId?: string | undefined },
  beforeId: string | undefined,
  limit: number,
): Promise<{ deliveries: WebhookDelivery[]; more: boolean }> {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.jobId !== undefined) q = q.where('job_id', '=', filter.jobId);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { deliveries: rows.slice(0, limit).map(toDelivery), more: rows.length > limit };
}

export async function listDeliveryAttempts(
  db: Executor,
  deliveryIds: string[],
): Promise<Map<string, DeliveryAttempt[]>> {
  const byDelivery = new Map<string, DeliveryAttempt[]>(deliveryIds.map((id) => [id, []]));
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('number')
    .execute();
  for (const r of rows) {
    byDelivery.get(r.delivery_id)?.push({
      number: Number(r.number),
      startedAt: Number(r.started_at),
      durationMs: Number(r.duration_ms),
      statusCode: r.status_code,
      responseBody: r.response_body,
      error: r.error,
    });
  }
  return byDelivery;
}

/**
 * Sends a finished delivery again, same bytes and webhook-id, with a fresh retry schedule. A delivery
 * still pending or being sent is left as it is (it is on its way already). Undefined if there is none.
 */
export async function replayDelivery(
  db: Executor,
  webhookId: string,
  id: string,
  now: number,
): Promise<WebhookDelivery | undefined> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', round_attempts: 0, next_attempt_at: now, updated_at: now })
    .where('id', '=', id)
    .where('webhook_id', '=', webhookId)
    .where('status', 'in', ['succeeded', 'failed'])
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? findDelivery(db, webhookId, id) : toDelivery(row);
}
