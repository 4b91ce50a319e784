import type { ClaimedJob } from '../core/job.js';
import type { Registry } from '../core/registry.js';
import type { HandoffTarget } from '../services/handoff.js';
import type { LocalQueue } from './local-queue.js';
import type { Slots } from './slots.js';

export interface HandoffWorker {
  readonly id: string;
  readonly leaseMs: number;
  readonly registry: Registry;
  readonly slots: Slots;
  readonly queue: LocalQueue;
  stopping(): boolean;
  /** Starts (or queues) a job handed over, committed and leased to this worker. */
  hold(job: ClaimedJob): void;
  /** Gives jobs handed over during shutdown back to the queue, for other workers. */
  release(jobs: ClaimedJob[]): void;
}

/**
 * The worker as services/handoff.ts sees it: a new job created in this process may be inserted already
 * claimed by the worker only while the worker is idle, that is with a free slot (of its type too) and
 * a last claim that found no job of its types left, so a new job never overtakes one that waits.
 */
export function handoffTarget(w: HandoffWorker): HandoffTarget {
  return {
    id: w.id,
    leaseMs: w.leaseMs,
    reserve({ type }) {
      const definition = w.registry.get(type);
      if (w.stopping() || !w.queue.drained || definition === undefined) return false;
      if (w.slots.busy + w.slots.reserved + w.queue.length >= w.slots.concurrency) return false;
      if (definition.concurrency !== undefined && w.slots.usedOf(type) >= definition.concurrency) return false;
      w.slots.reserve(type);
      return true;
    },
    settle(reservedTypes, jobs) {
      for (const type of reservedTypes) w.slots.unreserve(type);
      if (!w.stopping()) for (const job of jobs) w.hold(job);
      else if (jobs.length > 0) w.release(jobs); // stopped while they were inserted
    },
  };
}
