import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';
import type { StopReason } from './running-job.js';

export interface LeaseKeeperOptions {
  leaseMs: number;
  heartbeatMs: number;
  cancelCheckMs: number;
}

/**
 * Keeps the leases of the jobs a worker holds alive, as BullMQ's lock-manager, and tells the worker
 * which of them to stop: those whose lease was lost (the job is someone else's now) and those whose
 * cancel was requested, heard at once (NOTIFY or an in-process signal) or found by a periodic check
 * in case a notification was missed (or came from another process on SQLite).
 */
export class LeaseKeeper {
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly services: Pick<Services, 'store' | 'clock' | 'wakeups'>,
    private readonly workerId: string,
    private readonly o: LeaseKeeperOptions,
    /** Ids of the jobs the worker holds now. */
    private readonly held: () => string[],
    private readonly stop: (id: string, reason: StopReason) => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  start(): void {
    this.unsubscribe = this.services.wakeups.onCancelRequested((id) => this.stop(id, 'cancel'));
    this.every(this.o.heartbeatMs, () => this.heartbeat());
    this.every(this.o.cancelCheckMs, () => this.checkCancels());
  }

  /** Stops renewing; leases still held expire unless the worker releases the jobs. */
  close(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => {
      fn().catch(this.failed);
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private async heartbeat(): Promise<void> {
    const ids = this.held();
    if (ids.length === 0) return;
    const { store, clock } = this.services;
    const held = await queue.renewLeases(store, this.workerId, ids, this.o.leaseMs, clock.now());
    for (const id of ids) {
      const status = held.get(id);
      if (status === undefined) this.stop(id, 'lease_lost');
      else if (status === 'cancelling') this.stop(id, 'cancel');
    }
  }

  private async checkCancels(): Promise<void> {
    const ids = this.held();
    if (ids.length === 0) return;
    for (const id of await queue.cancellingHeldBy(this.services.store, this.workerId, ids)) this.stop(id, 'cancel');
  }
}
