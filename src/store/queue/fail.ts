import { TRANSITIONS } from '../../core/lifecycle.js';
import type { JobError } from '../../core/job.js';
import type { Store } from '../store.js';
import { attemptRow, recordAttempts, storableText, type Attempt } from './attempts.js';
import { failDependents } from './dependents.js';

export interface Failure {
  attempt: Attempt;
  /** When to try again; undefined when the job has failed for good. */
  retryAt: number | undefined;
  exhausted: boolean;
}

/** Records a failed attempt: back to pending for a retry, or failed for good. False if the lease was lost. */
export async function failJob(store: Store, workerId: string, f: Failure, now: number): Promise<boolean> {
  const error: JobError = {
    message: storableText(f.attempt.error?.message ?? 'failed'),
    ...(f.attempt.error?.code !== undefined ? { code: f.attempt.error.code } : {}),
  };
  const lost = new Error('lease lost');
  return store
    .transaction(async (trx) => {
      const retry = f.retryAt !== undefined;
      const { from, to } = TRANSITIONS[retry ? 'retry_later' : 'fail'];
      // The attempt first, so the timeline reads "attempt failed" before the status it led to; a lost
      // lease rolls both back.
      await recordAttempts(trx, [attemptRow(f.attempt, workerId, now)]);
      const r = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: to,
          status_reason: retry ? 'retrying' : f.exhausted ? 'attempts_exhausted' : 'failed',
          error: JSON.stringify(error),
          run_at: retry ? f.retryAt! : eb.ref('run_at'),
          completed_at: retry ? null : now,
          updated_at: now,
          version: eb('version', '+', 1),
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where('id', '=', f.attempt.jobId)
        .where('lease_owner', '=', workerId)
        .where('status', 'in', from)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw lost;
      if (!retry) await failDependents(trx, [f.attempt.jobId], now);
      return true;
    })
    .catch((error: unknown) => {
      if (error === lost) return false;
      throw error;
    });
}
