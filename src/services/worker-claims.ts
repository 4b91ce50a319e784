import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { ClaimedJob } from '../core/job.js';
import * as queue from '../store/queue.js';
import type { Services } from './context.js';
import { newLease, type Lease } from './worker-leases.js';

// A remote worker's claim (docs/workers.md): the jobs it takes, each under a lease of its own
// (worker-leases.ts), through the store's claim that in-process workers use.

export const MAX_CLAIM = 100;
export const MAX_WAIT_SECONDS = 30;
export const DEFAULT_LEASE_SECONDS = 60;
export const MAX_LEASE_SECONDS = 3600;

/** How often claims look for expired leases, so jobs of dead remote workers return without an in-process worker. */
const REAP_EVERY_MS = 1000;
/** Within a long poll, how often to look again without a wake-up (jobs whose retry time came). */
const POLL_MS = 1000;

export interface RemoteClaim {
  job: ClaimedJob;
  timeoutMs: number | null;
  lease: Lease;
}
/** The types a worker token may claim, or a 403 naming those outside it. */
function checkTypes(principal: Principal, types: string[]): void {
  if (principal.jobTypes === undefined) return;
  const outside = types.filter((t) => !principal.jobTypes!.includes(t));
  if (outside.length > 0) {
    throw new AppError(
      'forbidden',
      `This token may claim only jobs of type ${principal.jobTypes.join(', ')}; not ${outside.join(', ')}.`,
      {
        extra: { allowed_job_types: principal.jobTypes },
      },
    );
  }
}

const lastReap = new WeakMap<Services, number>();

async function reapIfDue(services: Services): Promise<void> {
  const now = services.clock.now();
  if (now - (lastReap.get(services) ?? -Infinity) < REAP_EVERY_MS) return;
  lastReap.set(services, now);
  const counts = await queue.reapExpiredLeases(services.store, now);
  if (counts.requeued > 0) services.wakeups.jobsAdded();
}

export interface ClaimRequest {
  worker: string;
  types: string[];
  limit: number;
  leaseMs: number;
  /** How long to wait for a job when none is runnable now. */
  waitMs: number;
  /** Ends the wait early (the client went away). */
  signal?: AbortSignal | undefined;
}

/**
 * Claims up to `limit` runnable jobs of these types in the token's workspace, waiting up to `waitMs`
 * for one: a job created or released wakes the wait at once (in this process, or any process on
 * PostgreSQL through LISTEN/NOTIFY, src/store/wakeups.ts).
 */
export async function claimRemote(services: Services, principal: Principal, r: ClaimRequest): Promise<RemoteClaim[]> {
  checkTypes(principal, r.types);
  let woken = false;
  let wake: (() => void) | undefined;
  const unsubscribe = services.wakeups.onJobsAdded(() => {
    woken = true;
    wake?.();
  });
  const deadline = Date.now() + r.waitMs;
  try {
    for (;;) {
      woken = false;
      await reapIfDue(services);
      const lease = newLease(r.worker);
      const now = services.clock.now();
      const jobs = await queue.claimJobs(services.store, {
        workerId: lease.owner,
        types: r.types,
        limit: r.limit,
        leaseMs: r.leaseMs,
        now,
        workspaceId: principal.workspaceId,
      });
      if (jobs.length > 0) {
        return jobs.map((job) => ({
          job,
          timeoutMs: job.timeoutMs ?? services.registry.get(job.type)?.timeoutMs ?? null,
          lease: { token: lease.token, expiresAt: now + r.leaseMs },
        }));
      }
      const left = deadline - Date.now();
      if (left <= 0 || r.signal?.aborted === true) return [];
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(POLL_MS, left));
          r.signal?.addEventListener('abort', done, { once: true });
          wake = done;
          function done(): void {
            clearTimeout(timer);
            r.signal?.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          }
        });
      }
    }
  } finally {
    unsubscribe();
  }
}
