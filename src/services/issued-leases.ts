import type { Services } from './context.js';
import type { Held } from './worker-leases.js';

// The leases this process issued with its claims, so that completing a job under one needs no read of
// the job first: the completion's write is guarded by the lease owner, so a lease lost meanwhile (it
// expired and the job was claimed again, or the job was cancelled or deleted) still answers 409 from
// that write (worker-reports.ts). Only completions use it: the other reports read the job, since not
// every write they make is guarded by the lease. A report reaching another process than the one that
// answered the claim, or a lease forgotten here, reads the job as before.

/** Leases remembered at most; the oldest are forgotten first. */
const MAX_LEASES = 100_000;

export class IssuedLeases {
  private readonly byId = new Map<string, { workspaceId: string; held: Held }>();

  remember(workspaceId: string, held: Held): void {
    this.byId.delete(held.id);
    this.byId.set(held.id, { workspaceId, held });
    if (this.byId.size > MAX_LEASES) this.byId.delete(this.byId.keys().next().value!);
  }

  /** The job as claimed, when this process issued its current lease to the workspace. */
  get(id: string, workspaceId: string): Held | undefined {
    const issued = this.byId.get(id);
    return issued?.workspaceId === workspaceId ? issued.held : undefined;
  }

  forget(id: string): void {
    this.byId.delete(id);
  }
}

const issued = new WeakMap<Services, IssuedLeases>();

export function issuedLeases(services: Services): IssuedLeases {
  let leases = issued.get(services);
  if (leases === undefined) issued.set(services, (leases = new IssuedLeases()));
  return leases;
}
