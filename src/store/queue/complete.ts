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
export async function completeJobs(
  store: Store,
  workerId: string,
  batch: Success[],
  now: number,
): Promise<{ done: string[]; released: number }> {
  if (batch.length === 0) return { done: [], released: 0 };
  return store.dialect.complete(
    workerId,
    batch.map((b) => ({ attempt: attemptRow(b.attempt, workerId, now), output: b.output })),
    now,
  );
}
