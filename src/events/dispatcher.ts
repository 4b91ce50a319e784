import type { Logger } from 'pino';
import { matchesAny, type JobEvent } from '../core/events.js';
import { uuidv7 } from '../core/ids.js';
import { messageId, newWebhookSecret, webhookPayload, type Webhook } from '../core/webhooks.js';
import type { Services } from '../services/context.js';
import type { NewDelivery } from '../store/webhook-deliveries.js';
import { insertDeliveries } from '../store/webhook-deliveries.js';
import {
  hasEventsAfter,
  hasUnsettledEvents,
  lockDispatchCursor,
  moveDispatchCursor,
  readDispatchCursor,
  readEventsAfter,
  type DispatchEvent,
} from '../store/webhook-dispatch.js';
import type { FeedCursor } from '../store/events.js';
import { enabledWebhooks, findCallbackWebhook, insertWebhook } from '../store/webhooks.js';
import type { Executor, Store } from '../store/store.js';

// Turns job events into deliveries. It reads the global event log after its cursor, creates one
// delivery per event and matching endpoint (and one to the job's callback_url, and one per form
// callback the event triggers, such as TextKing's), and moves the cursor in the same transaction: a crash repeats a batch
// or none, and the unique (endpoint, event) key makes a repeat harmless. The cursor row is locked, so
// one process at a time does this.

/** A form-encoded delivery an event triggers besides the webhooks, such as a TextKing callback. */
export interface FormCallback {
  event: JobEvent;
  url: string;
  payload: string;
  /** Tells apart the deliveries one event triggers; unique per callback. */
  key: string;
}

/**
 * The form callbacks a batch of events triggers, read in the dispatch transaction. A compatible API
 * that lets clients register callbacks adds one (compat/index.ts), so this layer needs no compat code.
 */
export type FormCallbackSource = (db: Executor, store: Store, events: readonly JobEvent[]) => Promise<FormCallback[]>;

export interface DispatcherOptions {
  /** Events read per transaction. */
  batchSize?: number;
  /** Fallback poll, for events another SQLite process appended (no cross-process wake-up there). */
  pollMs?: number;
  logger?: Logger | undefined;
  /** Called after deliveries were created, so the sender looks for them at once. */
  onDeliveries?: () => void;
}

export class WebhookDispatcher {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly callbackSources: FormCallbackSource[] = [];

  constructor(
    private readonly services: Services,
    private readonly o: DispatcherOptions = {},
  ) {
    this.batchSize = o.batchSize ?? 500;
    this.pollMs = o.pollMs ?? 1000;
  }

  /** Adds a source of form callbacks; call before start(). */
  addCallbackSource(source: FormCallbackSource): void {
    this.callbackSources.push(source);
  }

  start(): void {
    this.unsubscribe = this.services.wakeups.onJobEvent(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  /** Runs a dispatch soon; wake-ups arriving meanwhile coalesce into one more run. */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'webhook dispatch failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      const { events, created, cursor } = await this.dispatchOnce();
      if (created > 0) this.o.onDeliveries?.();
      if (this.stopped) return;
      if (events < this.batchSize) {
        // PostgreSQL: events committed by transactions that overlap a still running one wait until it
        // ends (see readEventsAfter); look again shortly rather than at the next poll.
        if (cursor !== undefined && !this.again && (await hasUnsettledEvents(this.services.store, cursor))) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.wake(), 20);
        }
        return;
      }
    }
  }

  /** One batch: returns how many events were read and deliveries created. */
  async dispatchOnce(): Promise<{ events: number; created: number; cursor: FeedCursor | undefined }> {
    const { store, clock } = this.services;
    // Look before locking: the lock is a write on SQLite, and most polls find nothing new.
    const seen = await readDispatchCursor(store.db);
    if (!(await hasEventsAfter(store.db, store, seen))) return { events: 0, created: 0, cursor: seen };
    return store.transaction(async (trx) => {
      const cursor = await lockDispatchCursor(trx, store);
      if (cursor === undefined) return { events: 0, created: 0, cursor };
      const events = await readEventsAfter(trx, store, cursor, this.batchSize);
      const last = events.at(-1);
      if (last === undefined) return { events: 0, created: 0, cursor };
      const now = clock.now();
      const deliveries = await this.deliveriesFor(trx, events, now);
      await insertDeliveries(trx, deliveries, now);
      await moveDispatchCursor(trx, last.position);
      return { events: events.length, created: deliveries.length, cursor: last.position };
    });
  }

  private async deliveriesFor(trx: Executor, events: DispatchEvent[], now: number): Promise<NewDelivery[]> {
    const workspaces = [...new Set(events.map((e) => e.workspaceId))];
    const hooks = await enabledWebhooks(trx, workspaces);
    const endpoints = new Map<string, Webhook[]>();
    const callbacks = new Map<string, Webhook | null>();
    for (const h of hooks) {
      if (h.kind === 'callback') callbacks.set(h.workspaceId, h);
      else endpoints.set(h.workspaceId, [...(endpoints.get(h.workspaceId) ?? []), h]);
    }
    const deliveries: NewDelivery[] = [];
    const add = (hook: Webhook, e: JobEvent, url: string, payload: string, form?: { key: string }) => {
      const id = uuidv7(now);
      // One event may trigger several form deliveries to the same endpoint: each keys its own row.
      const eventCursor = form === undefined ? e.cursor : `${e.cursor}:${form.key}`;
      deliveries.push({
        id,
        webhookId: hook.id,
        workspaceId: e.workspaceId,
        jobId: e.jobId,
        eventCursor,
        eventName: e.name,
        eventSeq: e.seq,
        msgId: messageId(id),
        payload,
        url,
        ...(form !== undefined ? { format: 'form' as const } : {}),
      });
    };
    for (const e of events) {
      const matching = (endpoints.get(e.workspaceId) ?? []).filter(
        (h) => matchesAny(e.name, h.events) && (h.projectId === null || h.projectId === e.projectId),
      );
      if (matching.length === 0 && e.callbackUrl === null) continue;
      const payload = webhookPayload(e);
      for (const h of matching) add(h, e, h.url!, payload);
      if (e.callbackUrl !== null) {
        const callback = await this.callbackEndpoint(trx, callbacks, e.workspaceId, now);
        if (callback !== null && matchesAny(e.name, callback.events)) add(callback, e, e.callbackUrl, payload);
      }
    }
    // Form callbacks ride on the workspace's callback endpoint: its retries, ordering per job,
    // attempt log and 410 rule, with an unsigned form body. Each is its own delivery of the event.
    for (const source of this.callbackSources) {
      for (const t of await source(trx, this.services.store, events)) {
        const callback = await this.callbackEndpoint(trx, callbacks, t.event.workspaceId, now);
        if (callback !== null) add(callback, t.event, t.url, t.payload, { key: t.key });
      }
    }
    return deliveries;
  }

  /** The workspace's callback endpoint, created the first time a job names a callback_url; null while disabled. */
  private async callbackEndpoint(
    trx: Executor,
    known: Map<string, Webhook | null>,
    workspaceId: string,
    now: number,
  ): Promise<Webhook | null> {
    const cached = known.get(workspaceId);
    if (cached !== undefined) return cached;
    const existing = await findCallbackWebhook(trx, workspaceId);
    const hook =
      existing ??
      (await insertWebhook(trx, {
        id: uuidv7(now),
        workspaceId,
        kind: 'callback',
        url: null,
        events: ['*'],
        projectId: null,
        secret: newWebhookSecret(),
        now,
      })) ??
      (await findCallbackWebhook(trx, workspaceId));
    const usable = hook === undefined || hook.disabledAt !== null ? null : hook;
    known.set(workspaceId, usable);
    return usable;
  }
}
