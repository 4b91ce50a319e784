import type { Logger } from 'pino';
import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';

/**
 * Returns the jobs of workers whose leases expired (crashed, killed, frozen) to the queue: every
 * worker does it, so no job waits for the one that lost it. The lost attempt counts; a job out of
 * attempts fails.
 */
export class Reaper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: Pick<Services, 'store' | 'clock' | 'wakeups'>,
    private readonly log: Logger,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Reaps every `ms` from now on. */
  start(ms: number): void {
    this.timer = setInterval(() => {
      this.reap().catch(this.failed);
    }, ms);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async reap(): Promise<void> {
    const counts = await queue.reapExpiredLeases(this.services.store, this.services.clock.now());
    if (counts.requeued + counts.failed + counts.cancelled > 0) {
      this.log.warn(counts, 'returned jobs of unresponsive workers');
      if (counts.requeued > 0) this.services.wakeups.jobsAdded();
    }
  }
}
