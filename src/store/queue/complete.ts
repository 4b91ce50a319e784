import type { Completion } from '../dialect/dialect.js';
import type { Store } from '../store.js';
import { attemptRow, type Attempt } from './attempts.js';

export interface Success {
  attempt: Attempt;
  output: unknown;
}

/**
 * Marks a batch of jobs succeeded at once (batching finishes is what lets a database queue go fast:
 * one commit for many jobs), records their attempts and lets the jobs waiting on them run. `done` are
 * the ids that were still running under this worker's lease; the others were cancelled or reaped
 * meanwhile and are left alone. `released` counts the dependent jobs that became runnable.
 */
export function completeJobs(
  store: Store,
  workerId: string,
  batch: Success[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  return writeCompletions(
    store,
    batch.map((b) => completion(b, workerId, now)),
    now,
  );
}

/** A success under the lease of `owner` (remote workers hold one lease per claim). */
export interface LeasedSuccess extends Success {
  owner: string;
}

/** completeJobs for jobs held under different leases: still one write for the whole batch. */
export function completeLeasedJobs(
  store: Store,
  batch: LeasedSuccess[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  return writeCompletions(
    store,
    batch.map((b) => completion(b, b.owner, now)),
    now,
  );
}

// Each success becomes its dialect row in one step: copying every success per job (to add its owner,
// then its worker) was a visible share of what a no-op job allocates.
function completion(s: Success, owner: string, now: number): Completion {
  return { attempt: attemptRow(s.attempt, owner, now), output: s.output };
}

async function writeCompletions(
  store: Store,
  batch: Completion[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  if (batch.length === 0) return { done: [], released: 0 };
  return store.dialect.complete(batch, now);
}
