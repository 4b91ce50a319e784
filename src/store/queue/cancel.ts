import { TRANSITIONS } from '../../core/lifecycle.js';
import type { Store } from '../store.js';
import { attemptRow, recordAttempts, type Attempt } from './attempts.js';
import { failDependents } from './dependents.js';

/** Ends a job whose cancellation was requested once its handler has stopped. */
export async function confirmCancelled(
  store: Store,
  workerId: string,
  attempt: Attempt,
  now: number,
): Promise<boolean> {
  const { from, to } = TRANSITIONS.confirm_cancel;
  return store.transaction(async (trx) => {
    const r = await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: to,
        status_reason: 'cancelled_by_client',
        completed_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('id', '=', attempt.jobId)
      .where('lease_owner', '=', workerId)
      .where('status', 'in', from)
      .executeTakeFirst();
    if (r.numUpdatedRows === 0n) return false;
    await recordAttempts(trx, [attemptRow(attempt, workerId, now)]);
    await failDependents(trx, [attempt.jobId], now);
    return true;
  });
}
