import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { ClaimedJob } from '../core/job.js';
import * as queue from '../store/queue.js';
import type { Services } from './context.js';
import { issuedLeases } from './issued-leases.js';
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
export function checkTypes(principal: Principal, types: string[]): void {
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
 * PostgreSQL through LISTEN/NOTIFY, src/store/wakeups.ts). While it waits, a job of its types created
 * in this process is inserted already claimed by it (services/handoff.ts), as for an idle in-process
 * worker: the claim answers as soon as that insert commits, without a wake-up and a second claim.
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
  const aborted = () => r.signal?.aborted === true;
  const timeoutOf = (job: ClaimedJob) => job.timeoutMs ?? services.registry.get(job.type)?.timeoutMs ?? null;
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
        const issued = issuedLeases(services);
        return jobs.map((job) => {
          const timeoutMs = timeoutOf(job);
          issued.remember(principal.workspaceId, {
            id: job.id,
            type: job.type,
            owner: lease.owner,
            attempt: job.attempts,
            maxAttempts: job.maxAttempts,
            startedAt: now, // the claim's attempt_started_at
            timeoutMs,
          });
          return { job, timeoutMs, lease: { token: lease.token, expiresAt: now + r.leaseMs } };
        });
      }
      const left = deadline - Date.now();
      if (left <= 0 || aborted()) return [];
      if (woken) continue;
      const handed = await waitForJobs(services, principal, r, lease.owner, Math.min(POLL_MS, left), (done) => {
        wake = done;
      });
      wake = undefined;
      if (handed.jobs.length === 0) continue;
      if (aborted()) {
        // The worker went away while its jobs were inserted: they go back to the queue at once.
        await queue.releaseJobs(
          services.store,
          lease.owner,
          handed.jobs.map((j) => j.id),
          services.clock.now(),
        );
        services.wakeups.jobsAdded();
        return [];
      }
      return handed.jobs.map((job) => ({
        job,
        timeoutMs: timeoutOf(job),
        lease: { token: lease.token, expiresAt: handed.leaseExpiresAt },
      }));
    }
  } finally {
    unsubscribe();
  }
}

function releaseLate(services: Services, owner: string, jobs: ClaimedJob[]): void {
  const ids = jobs.map((j) => j.id);
  queue
    .releaseJobs(services.store, owner, ids, services.clock.now())
    .then(() => services.wakeups.jobsAdded())
    .catch(() => {
      // Left to lease expiry: the reaper returns them to the queue.
    });
}

/**
 * Waits up to `ms` for a wake-up, the end of the request, or jobs handed over by an insert of this
 * process. Once the handoff has reserved a job, the wait lasts until that insert settles, whatever
 * else happens: the jobs it commits are claimed by this lease and must reach the worker or be released.
 */
function waitForJobs(
  services: Services,
  principal: Principal,
  r: ClaimRequest,
  owner: string,
  ms: number,
  onWake: (wake: () => void) => void,
): Promise<{ jobs: ClaimedJob[]; leaseExpiresAt: number }> {
  return new Promise((resolve) => {
    let reserved = 0;
    let open = true;
    let finished = false;
    const finish = (jobs: ClaimedJob[]) => {
      finished = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', interrupt);
      detach();
      resolve({ jobs, leaseExpiresAt: services.clock.now() + r.leaseMs });
    };
    const interrupt = () => {
      open = false;
      if (reserved === 0) finish([]);
    };
    const timer = setTimeout(interrupt, ms);
    r.signal?.addEventListener('abort', interrupt, { once: true });
    onWake(interrupt);
    const detach = services.handoff.attach({
      id: owner,
      leaseMs: r.leaseMs,
      reserve(job) {
        if (!open || reserved >= r.limit || job.workspaceId !== principal.workspaceId) return false;
        if (!r.types.includes(job.type)) return false;
        reserved++;
        return true;
      },
      settle(reservedTypes, jobs) {
        reserved -= reservedTypes.length;
        if (finished) {
          // A second insert reserved a slot before the first one answered the claim: its jobs go back.
          if (jobs.length > 0) releaseLate(services, owner, jobs);
        } else if (jobs.length > 0) {
          open = false;
          finish(jobs);
        } else if (reserved === 0 && !open) finish([]);
      },
    });
  });
}
