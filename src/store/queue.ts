// The engine's queue, one operation per file in queue/ (after graphile-worker's src/sql/*.ts). Every
// write of a worker is guarded by `lease_owner`: a worker whose lease was reaped (it stalled, the job
// went back to the queue) can no longer change the job, so a job is finished by exactly one attempt.
// Each status change is a transition of the lifecycle table (core/lifecycle.ts).

export * from './queue/attempts.js';
export * from './queue/cancel.js';
export * from './queue/claim.js';
export * from './queue/complete.js';
export * from './queue/dependents.js';
export * from './queue/fail.js';
export * from './queue/leases.js';
export * from './queue/reap.js';
export * from './queue/release.js';
export * from './queue/requeue.js';
export * from './queue/standing-claims.js';
export type { JobRow } from './jobs.js';
