import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';
import type { RunningJob } from './running-job.js';
import type { Slots } from './slots.js';

export interface LocalQueueOptions {
  workerId: string;
  leaseMs: number;
  /** Jobs claimed per query. */
  batchSize: number;
  /** Jobs claimed ahead of free slots (WorkerOptions.prefetch). */
  prefetch: number;
  /** Fallback poll when no wake-up arrives. */
  pollMs: number;
  /**
   * Where claims leave a standing claim for the free slots they did not fill (engine/standing-claim.ts):
   * how many jobs it has handed over so far, or undefined while it cannot hand any over.
   */
  standing: (() => number | undefined) | undefined;
}

export interface LocalQueueHooks {
  /** A claimed job: the worker starts it if a slot is free, else pushes it here. */
  claimed(job: ClaimedJob): void;
  /** Jobs the worker holds (waiting here, running, or being written). */
  held(): number;
  /** The last claim found no job of the worker's types left, after one that did. */
  drained(): void;
  failed(error: unknown): void;
}

/**
 * The worker's claims and the jobs it claimed ahead of free slots, as graphile-worker's localQueue:
 * a wake-up (a new job, a freed slot, the poll) starts one claim loop at a time, which claims as many
 * jobs as there are free slots plus `prefetch`, and the jobs that find no slot wait here, leased, in
 * claim order.
 */
export class LocalQueue {
  /** Claimed ahead, in claim order; the worker holds them too, so their leases are kept alive. */
  private readonly waiting: RunningJob[] = [];
  private closed = false;
  private fetching = false;
  private fetchAgain = false;
  private wakeScheduled = false;
  /** The last claim found no job of this worker's types left, and none was added since: new jobs may be handed over. */
  private empty = false;
  /** Wake-ups for added jobs so far, to tell whether one came while a claim was under way. */
  private added = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** The claim loop under way, if any. */
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Pick<Services, 'store' | 'clock' | 'registry' | 'wakeups'>,
    private readonly o: LocalQueueOptions,
    private readonly slots: Slots,
    private readonly hooks: LocalQueueHooks,
  ) {}

  /** Listens for new jobs and polls; the first claim is the caller's `wake()`. */
  start(): void {
    this.unsubscribe = this.services.wakeups.onJobsAdded(() => {
      this.added++;
      this.empty = false;
      this.wake();
    });
    this.timer = setInterval(() => this.wake(), this.o.pollMs);
    this.timer.unref();
  }

  /** Stops claiming; returns the jobs that waited here (never started), for the worker to release. */
  close(): RunningJob[] {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    return this.waiting.splice(0);
  }

  /** Resolves once the claim under way, if any, has ended (after close(): no claim follows). */
  settled(): Promise<void> {
    return this.current;
  }

  get drained(): boolean {
    return this.empty;
  }

  get length(): number {
    return this.waiting.length;
  }

  push(entry: RunningJob): void {
    this.waiting.push(entry);
  }

  /** The next job to start, in claim order. */
  shift(): RunningJob | undefined {
    return this.waiting.shift();
  }

  remove(entry: RunningJob): void {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /**
   * Looks for work once the current turn of the event loop is over: handlers that finish together
   * free their slots together, and one claim fills them all.
   */
  wake(): void {
    if (this.closed || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.fetchNow();
    });
  }

  private fetchNow(): void {
    if (this.closed) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = true;
    this.current = this.fetch()
      .catch((error: unknown) => this.hooks.failed(error))
      .finally(() => {
        this.fetching = false;
        if (this.fetchAgain) {
          this.fetchAgain = false;
          this.fetchNow();
        }
      });
  }

  /**
   * Claims as many jobs as there are free slots (plus `prefetch` ahead), type by type where a type has
   * its own limit. While jobs wait here, it claims only when a worthwhile batch fits, so a busy worker
   * claims in batches rather than one job per finished job.
   */
  private async fetch(): Promise<void> {
    const { concurrency } = this.slots;
    const { batchSize, prefetch } = this.o;
    for (;;) {
      if (this.closed) return;
      const free = concurrency - this.slots.busy - this.slots.reserved;
      // Jobs whose handler finished but whose outcome is not written yet are still held: beyond one
      // batch of them, wait for the writes, so a database slower than the handlers cannot make the
      // worker claim without bound.
      const room = Math.min(
        free + prefetch - this.waiting.length,
        concurrency + prefetch + batchSize - this.hooks.held(),
      );
      if (room <= 0) return;
      const limit = Math.min(room, batchSize);
      // Jobs still wait here: hold off until a worthwhile batch fits (a full one, or half the queue).
      if (this.waiting.length > 0 && limit < Math.min(batchSize, Math.max(1, Math.floor(prefetch / 2)))) return;
      const open: string[] = [];
      let limited: { type: string; slots: number } | undefined;
      // Limited types this round does not ask for jobs: if any, it cannot tell that none are left.
      let unasked = 0;
      for (const type of this.services.registry.types()) {
        const max = this.services.registry.get(type)!.concurrency;
        if (max === undefined) open.push(type);
        else {
          unasked++;
          const used = this.slots.usedOf(type);
          if (used < max && limited === undefined) limited = { type, slots: max - used };
        }
      }
      const now = this.services.clock.now();
      const added = this.added;
      const claims = [];
      // Every claim of this round brought fewer jobs than it asked for.
      let exhausted = true;
      if (open.length > 0) {
        // Handler slots nothing fills yet: what a standing claim may offer other processes' inserts.
        const idle = concurrency - this.slots.busy - this.slots.reserved - this.waiting.length;
        claims.push(await this.claim(open, limit, now, idle));
        exhausted = claims[0]!.length < limit;
      }
      // A type with its own limit only ever fills free handler slots.
      const slots =
        Math.min(limit, concurrency - this.slots.busy - this.slots.reserved - this.waiting.length) -
        (claims[0]?.length ?? 0);
      if (limited !== undefined && slots > 0) {
        const asked = Math.min(slots, limited.slots);
        claims.push(await this.claim([limited.type], asked, now));
        exhausted &&= claims.at(-1)!.length < asked;
        unasked--;
      }
      const jobs = claims.flat();
      for (const job of jobs) this.hooks.claimed(job);
      if (jobs.length < limit) {
        // A wake-up during the claim may be for a job it did not see yet.
        const empty = exhausted && unasked === 0 && this.added === added;
        const emptied = empty && !this.empty;
        this.empty = empty;
        if (emptied) this.hooks.drained();
        return;
      }
      this.empty = false;
      // On SQLite every query completes synchronously, so without this the loop, the handlers and
      // their promises could run in one microtask chain and starve timers (heartbeats), I/O and the
      // writes of finished jobs (scheduled with setImmediate).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private claim(types: string[], limit: number, now: number, idle?: number): Promise<ClaimedJob[]> {
    // A standing claim lapses unless the next poll renews it: one missed poll is allowed for.
    const seen = this.o.standing?.();
    const wait =
      seen !== undefined && idle !== undefined
        ? { slots: idle, until: now + 2 * this.o.pollMs + 1000, seen }
        : undefined;
    return queue.claimJobs(this.services.store, {
      workerId: this.o.workerId,
      types,
      limit,
      leaseMs: this.o.leaseMs,
      now,
      wait,
    });
  }
}
