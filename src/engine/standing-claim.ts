import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';
import type { ClaimedRow } from '../store/queue/claim.js';

export interface StandingClaimHooks {
  /** Starts (or queues) a job handed over, committed and leased to this worker. */
  hold(job: ClaimedJob): void;
  stopping(): boolean;
  failed(error: unknown): void;
}

/** The `handoff` wake-up's payload (migration 0035): the worker, and its jobs or only their ids. */
interface HandoffPayload {
  worker: string;
  jobs?: ClaimedRow[];
  ids?: string[];
}

/**
 * The worker's side of a standing claim, the handoff between processes (store/dialect/dialect.ts
 * standingClaims): the local queue's claims leave it while the worker has free slots, any process's
 * insert may then insert jobs claimed by this worker, and the wake-up telling it so starts them here.
 * After a lost connection the wake-ups may have been missed: the jobs leased to the worker that it
 * does not hold are read back and held.
 */
export class StandingClaim {
  private unsubscribe: (() => void) | undefined;
  /** Jobs the wake-ups handed to this worker so far (see the claim's `wait.seen`). */
  private heardOf = 0;

  constructor(
    private readonly services: Pick<Services, 'store' | 'wakeups'>,
    private readonly workerId: string,
    /** The jobs the worker holds, by id. */
    private readonly held: ReadonlyMap<string, unknown>,
    private readonly hooks: StandingClaimHooks,
  ) {}

  get enabled(): boolean {
    return this.services.store.dialect.standingClaims;
  }

  /**
   * For the local queue's claims: how many jobs were handed over so far, where claims can stand; or
   * undefined while the worker would not hear of them (LISTEN not in place yet, or lost).
   */
  get counter(): (() => number | undefined) | undefined {
    if (!this.enabled) return undefined;
    return () => (this.services.wakeups.hearsOtherProcesses ? this.heardOf : undefined);
  }

  start(): void {
    if (!this.enabled) return;
    this.unsubscribe = this.services.wakeups.onJobsHandedOver((payload) => this.heard(payload));
  }

  /**
   * Withdraws the claim once the worker's last claim (`claimed`) has ended; returns the ids of jobs handed to the worker that it does not hold (told too
   * late to start), for the worker to give back to the queue.
   */
  async close(claimed: Promise<void>): Promise<string[]> {
    this.unsubscribe?.();
    if (!this.enabled) return [];
    await claimed; // a claim under way when the worker stopped could renew it
    try {
      await queue.withdrawStandingClaim(this.services.store, this.workerId);
      const leased = await queue.jobsLeasedTo(this.services.store, this.workerId);
      return leased.filter((j) => !this.held.has(j.id)).map((j) => j.id);
    } catch (error) {
      // The claim then lapses on its own, and jobs handed over meanwhile return when their leases expire.
      this.hooks.failed(error);
      return [];
    }
  }

  /** Counts jobs the in-process handoff gave the worker: the insert counted them in its standing claim too. */
  handedInProcess(count: number): void {
    this.heardOf += count;
  }

  private heard(payload: string): void {
    if (this.hooks.stopping()) return; // close() gives them back
    // A lost connection: jobs may have been handed over unheard. The count of those heard of starts
    // again when the standing claim lapses meanwhile (migration 0035).
    if (payload === '*') {
      this.adopt(undefined);
      return;
    }
    let told: HandoffPayload;
    try {
      told = JSON.parse(payload) as HandoffPayload;
    } catch {
      return;
    }
    if (told.worker !== this.workerId) return;
    this.heardOf += told.jobs?.length ?? told.ids?.length ?? 0;
    if (told.jobs !== undefined) for (const row of told.jobs) this.take(queue.toClaimedJob(row));
    else this.adopt(told.ids ?? []);
  }

  /** Holds the jobs of `ids` (all when undefined) leased to this worker that it does not hold yet. */
  private adopt(ids: string[] | undefined): void {
    queue
      .jobsLeasedTo(this.services.store, this.workerId, { ids, handedOver: true })
      .then((jobs) => {
        if (!this.hooks.stopping()) for (const job of jobs) this.take(job);
      })
      .catch((error: unknown) => this.hooks.failed(error));
  }

  private take(job: ClaimedJob): void {
    if (!this.held.has(job.id)) this.hooks.hold(job);
  }
}
