import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { RETRY_DELAYS_MS, type Webhook, type WebhookDelivery } from '../core/webhooks.js';
import type { Services } from '../services/context.js';
import { claimDeliveries, failPendingDeliveries, recordOutcomes, type Outcome } from '../store/webhook-deliveries.js';
import { disableWebhook, findWebhooksById } from '../store/webhooks.js';
import { keepAliveAgents, postWebhook, type PostOptions } from './delivery.js';
import { afterFailure, parseRetryAfter } from './retry-schedule.js';
import { webhookHeaders } from './signing.js';

// Sends due deliveries: keeps up to `concurrency` POSTs in flight, writes their outcomes in batches
// (one transaction for many attempts), and looks for more whenever an outcome frees a job's next
// event, a dispatch created deliveries, or the poll comes round for retries that fell due.

export interface SenderOptions {
  /** POSTs in flight at once, across receivers. */
  concurrency?: number;
  /** Waits after each failed attempt; its length + 1 is the number of attempts. Tests shrink it. */
  retryDelaysMs?: readonly number[];
  /** Per attempt: connect, send and answer (Standard Webhooks suggests a short one). */
  timeoutMs?: number;
  /** A delivery being sent stays this sender's this long; a crashed sender's deliveries return after. */
  leaseMs?: number;
  pollMs?: number;
  logger?: Logger | undefined;
}

interface Result {
  delivery: WebhookDelivery;
  webhook: Webhook;
  outcome: Outcome;
  gone: boolean;
}

export class WebhookSender {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly concurrency: number;
  private readonly delays: readonly number[];
  private readonly leaseMs: number;
  private readonly post: PostOptions;
  private inFlight = 0;
  private readonly sends = new Set<Promise<void>>();
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private results: Result[] = [];
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: Services,
    private readonly o: SenderOptions = {},
  ) {
    this.concurrency = o.concurrency ?? 50;
    this.delays = o.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.post = {
      timeoutMs: o.timeoutMs ?? 10_000,
      allowPrivate: services.policy.webhookAllowPrivate,
      agents: keepAliveAgents(this.concurrency),
    };
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.o.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  /** Stops claiming, waits for the POSTs in flight and writes their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.claiming;
    await Promise.all([...this.sends]);
    await this.flush();
    this.post.agents.http.destroy();
    this.post.agents.https.destroy();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.claiming !== undefined) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim()
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'claiming webhook deliveries failed'))
      .finally(() => {
        this.claiming = undefined;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.wake();
        }
      });
  }

  private async claim(): Promise<void> {
    const { store, clock } = this.services;
    const room = this.concurrency - this.inFlight;
    if (room <= 0) return;
    const claimed = await claimDeliveries(store, {
      owner: this.id,
      limit: room,
      leaseMs: this.leaseMs,
      now: clock.now(),
    });
    if (claimed.length === 0) return;
    const hooks = new Map(
      (await findWebhooksById(store.db, [...new Set(claimed.map((d) => d.webhookId))])).map((h) => [h.id, h]),
    );
    for (const d of claimed) {
      const hook = hooks.get(d.webhookId);
      if (hook === undefined) continue; // deleted meanwhile; its deliveries went with it
      this.inFlight++;
      const send = this.send(d, hook)
        .then((r) => {
          this.results.push(r);
          this.scheduleFlush();
        })
        .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'webhook delivery failed'))
        .finally(() => {
          this.inFlight--;
          this.sends.delete(send);
        });
      this.sends.add(send);
    }
    // A full batch suggests more are due.
    if (claimed.length === room) this.claimAgain = true;
  }

  private async send(d: WebhookDelivery, hook: Webhook): Promise<Result> {
    const { clock } = this.services;
    const startedAt = clock.now();
    // A form delivery (a TextKing callback) is sent unsigned: TextKing's receivers expect plain fields.
    const headers =
      d.format === 'form'
        ? { 'content-type': 'application/x-www-form-urlencoded' }
        : webhookHeaders(hook, d.msgId, d.payload, startedAt);
    const r = await postWebhook(d.url, headers, d.payload, this.post);
    const now = clock.now();
    const attempt = {
      startedAt,
      durationMs: r.durationMs,
      statusCode: r.statusCode,
      responseBody: r.body,
      error:
        r.error ??
        (r.statusCode !== null && (r.statusCode < 200 || r.statusCode >= 300) ? `HTTP ${r.statusCode}` : null),
    };
    const ok = r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300;
    // 410 Gone: the receiver says this endpoint will never take deliveries again (Standard Webhooks).
    const gone = r.statusCode === 410;
    if (ok) return { delivery: d, webhook: hook, gone, outcome: { deliveryId: d.id, attempt, status: 'succeeded' } };
    if (gone) return { delivery: d, webhook: hook, gone, outcome: { deliveryId: d.id, attempt, status: 'failed' } };
    const retryAfter = r.statusCode === 429 || r.statusCode === 503 ? parseRetryAfter(r.retryAfter, now) : undefined;
    const next = afterFailure(d.roundAttempts + 1, this.delays, now, retryAfter);
    return { delivery: d, webhook: hook, gone, outcome: { deliveryId: d.id, attempt, ...next } };
  }

  private scheduleFlush(): void {
    if (this.flushing !== undefined) return;
    this.flushing = (async () => {
      // Outcomes that arrive in the same turn of the event loop, or while a batch is written, share a transaction.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.results.length > 0) await this.writeResults(this.results.splice(0));
    })()
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'writing webhook outcomes failed'))
      .finally(() => {
        this.flushing = undefined;
        if (this.results.length > 0) this.scheduleFlush();
      });
  }

  private async flush(): Promise<void> {
    while (this.flushing !== undefined || this.results.length > 0) {
      if (this.flushing === undefined) this.scheduleFlush();
      await this.flushing;
    }
  }

  private async writeResults(batch: Result[]): Promise<void> {
    const { store, clock } = this.services;
    const now = clock.now();
    await store.transaction(async (trx) => {
      await recordOutcomes(
        trx,
        this.id,
        batch.map((r) => r.outcome),
        now,
      );
      for (const r of batch.filter((x) => x.gone)) {
        const reason = `The receiver answered 410 Gone at ${new Date(now).toISOString()}.`;
        if (r.webhook.kind === 'endpoint') {
          await disableWebhook(trx, r.webhook.id, reason, now);
          await failPendingDeliveries(trx, r.webhook.id, 'The endpoint was disabled after answering 410 Gone.', now);
        } else {
          // A job's callback URL is gone: that job's other callbacks to it are not sent; other jobs' are.
          await failPendingDeliveries(trx, r.webhook.id, 'The callback URL answered 410 Gone.', now, {
            jobId: r.delivery.jobId,
            url: r.delivery.url,
          });
        }
      }
    });
    // Each outcome may have freed the next event of its job for its receiver.
    this.wake();
  }
}
