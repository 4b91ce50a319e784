import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';

/** How a success ended once written: succeeded, cancelled (requested while its handler finished), or not written. */
export type SuccessWritten = 'completed' | 'cancelled' | undefined;

/**
 * Writes a worker's successes in batches: all that finish within one tick share a transaction
 * (graphile-worker's completeJobs). A write that fails settles its batch as not written: those jobs'
 * leases expire and they run again.
 */
export class CompletionBatcher {
  private successes: queue.Success[] = [];
  private waiters: ((written: SuccessWritten) => void)[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;

  constructor(
    private readonly services: Pick<Services, 'store' | 'clock' | 'wakeups'>,
    private readonly workerId: string,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Queues a success for the next batch; resolves once it is written (or given up). */
  add(success: queue.Success): Promise<SuccessWritten> {
    this.successes.push(success);
    const written = new Promise<SuccessWritten>((resolve) => this.waiters.push(resolve));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush().catch(this.failed);
      });
    }
    return written;
  }

  /** Writes what is queued now, after any write under way. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.successes.length === 0) return;
    const batch = this.successes.splice(0);
    const waiters = this.waiters.splice(0);
    const outcomes: SuccessWritten[] = [];
    this.flushing = (async () => {
      try {
        const { store, clock } = this.services;
        const written = await queue.completeJobs(store, this.workerId, batch, clock.now());
        const done = new Set(written.done);
        // Those not written were cancelled while their handler was finishing.
        for (const [index, b] of batch.entries()) {
          if (done.has(b.attempt.jobId)) outcomes[index] = 'completed';
          else if (
            await queue.confirmCancelled(store, this.workerId, { ...b.attempt, outcome: 'cancelled' }, clock.now())
          )
            outcomes[index] = 'cancelled';
        }
        if (written.released > 0) this.services.wakeups.jobsAdded(); // dependents became runnable
      } finally {
        for (const [index, w] of waiters.entries()) w(outcomes[index]);
        this.flushing = undefined;
      }
    })();
    await this.flushing;
  }
}
