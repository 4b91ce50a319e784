import type { ClaimedJob } from '../core/job.js';

// A job created in a process whose worker is idle goes straight to that worker: the job is inserted
// already claimed by it, in the insert's own transaction, and handed over in memory once that commits.
// Otherwise the job waits for a wake-up and then a claim, a transaction of its own, after the
// insert's commit: a second round of work as long as the insert itself (docs/benchmarks.md, pickup).
//
// A worker (in-process, or a remote worker's waiting claim: services/worker-claims.ts) takes jobs
// this way only while it has a free slot and its last claim found no job of its types left, with none
// added since: a new job never overtakes one that was already waiting. Its events are those of a job created pending and then claimed (job.created, then job.running).

/** A worker of this process, as the handoff sees it (src/engine/worker.ts). */
export interface HandoffTarget {
  /** The worker's id: the lease owner of the jobs handed to it. */
  readonly id: string;
  readonly leaseMs: number;
  /** Reserves a slot for this new job, if the worker is idle as described above and runs its type. */
  reserve(job: NewRunnableJob): boolean;
  /** Gives back the slots reserved for these types, then runs the jobs (committed, claimed by this worker). */
  settle(reservedTypes: string[], jobs: ClaimedJob[]): void;
}

/** New jobs one worker has reserved slots for: insert them claimed by it, then settle (also on failure). */
export interface Handover {
  workerId: string;
  leaseExpiresAt: number;
  ids: ReadonlySet<string>;
  /** Call once: with the jobs as committed, or with none when the insert failed. */
  settle(jobs: ClaimedJob[]): void;
}

/** A new job that could run at once, as the handoff offers it. */
export interface NewRunnableJob {
  readonly id: string;
  readonly type: string;
  readonly workspaceId: string;
}

export class Handoff {
  private readonly targets: HandoffTarget[] = [];

  /**
   * `limited` names the types whose flow control limits the claim: their jobs wait for the claim, which
   * keeps the limits.
   */
  constructor(private readonly limited: (type: string) => boolean = () => false) {}

  /** Returns the function that detaches the worker again. */
  attach(target: HandoffTarget): () => void {
    this.targets.push(target);
    return () => {
      const index = this.targets.indexOf(target);
      if (index >= 0) this.targets.splice(index, 1);
    };
  }

  /** Reserves one worker's free slots for as many of these new, runnable jobs as it takes; undefined when none does. */
  offer(jobs: readonly NewRunnableJob[], now: number): Handover | undefined {
    if (this.targets.length === 0) return undefined;
    const free = jobs.filter((j) => !this.limited(j.type));
    for (const target of this.targets) {
      const taken = free.filter((j) => target.reserve(j));
      if (taken.length === 0) continue;
      const types = taken.map((j) => j.type);
      let settled = false;
      return {
        workerId: target.id,
        leaseExpiresAt: now + target.leaseMs,
        ids: new Set(taken.map((j) => j.id)),
        settle: (claimed) => {
          if (settled) return;
          settled = true;
          target.settle(types, claimed);
        },
      };
    }
    return undefined;
  }
}
