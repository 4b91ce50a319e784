import type { Logger } from 'pino';
import { isLeaseLost, type ClaimedJob, type WorkerCalls } from './worker-calls.js';

// Keeps the leases of a remote worker's running jobs alive: one timer for all of them, at a third of
// the lease. A lone job beats with its own call; several go together in POST /v1/worker/heartbeats
// (100 a call), so a worker running many jobs makes one call per round rather than one per job.

export interface Beating {
  job: ClaimedJob;
  /** The job was cancelled, or its lease is lost (a 409): the handler must stop. */
  stop(reason: 'cancelled' | 'lease_lost'): void;
}

export class Heartbeats {
  private readonly running = new Map<string, Beating>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly calls: WorkerCalls,
    private readonly leaseSeconds: number,
    private readonly log: Logger,
  ) {}

  add(beating: Beating): void {
    this.running.set(beating.job.id, beating);
    this.timer ??= setInterval(() => void this.beat(), (this.leaseSeconds * 1000) / 3);
  }

  delete(id: string): void {
    this.running.delete(id);
    if (this.running.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async beat(): Promise<void> {
    const all = [...this.running.values()];
    if (all.length === 1) {
      const [one] = all;
      await this.calls.heartbeat(one!.job, this.leaseSeconds).then(
        (b) => b.cancel_requested && one!.stop('cancelled'),
        (error: unknown) => this.failed(one!, error),
      );
      return;
    }
    for (let i = 0; i < all.length; i += 100) {
      const chunk = all.slice(i, i + 100);
      try {
        const answers = await this.calls.heartbeats(
          chunk.map((b) => b.job),
          this.leaseSeconds,
        );
        chunk.forEach((b, n) => {
          const answer = answers[n]!;
          if ('problem' in answer) this.failed(b, answer.problem);
          else if (answer.cancel_requested) b.stop('cancelled');
        });
      } catch (error) {
        this.log.warn({ err: error, jobs: chunk.length }, 'heartbeats failed');
      }
    }
  }

  private failed(beating: Beating, error: unknown): void {
    if (isLeaseLost(error)) beating.stop('lease_lost');
    else this.log.warn({ err: error, job: beating.job.id }, 'heartbeat failed');
  }
}
