import { TRANSITIONS, type JobStatus } from '../../core/lifecycle.js';
import type { Store } from '../store.js';
import { recordAttempts } from './attempts.js';
import { failDependents } from './dependents.js';

/**
 * Returns the jobs of workers that stopped renewing their leases (crashed, killed, frozen) to the
 * queue. The lost attempt counts: it is recorded, and a job out of attempts fails; a job whose cancel
 * was requested ends cancelled. Safe to run from every worker at once.
 */
export async function reapExpiredLeases(
  store: Store,
  now: number,
  limit = 500,
): Promise<{ requeued: number; failed: number; cancelled: number }> {
  const { release, fail, confirm_cancel } = TRANSITIONS;
  return store.transaction(async (trx) => {
    const q = trx
      .selectFrom('jobs')
      .select(['id', 'status', 'attempts', 'max_attempts', 'lease_owner', 'attempt_started_at'])
      .where('lease_owner', 'is not', null)
      .where('lease_expires_at', '<', now)
      .where('status', 'in', [...release.from, ...confirm_cancel.from])
      .limit(limit);
    const expired = await store.dialect.lockSkippingHeld(q).execute();
    const counts = { requeued: 0, failed: 0, cancelled: 0 };
    const ended: string[] = [];
    const message = 'The worker stopped renewing its lease (it crashed, was killed or froze).';
    for (const job of expired) {
      const cancelled = confirm_cancel.from.includes(job.status as JobStatus);
      const exhausted = job.attempts >= job.max_attempts;
      const { from, to } = cancelled ? confirm_cancel : exhausted ? fail : release;
      const requeued = to === release.to;
      // The row is locked (PostgreSQL) or the database is (SQLite), so the update below will match:
      // record the attempt first, so the timeline reads "attempt failed" before the status it led to.
      await recordAttempts(trx, [
        {
          job_id: job.id,
          number: job.attempts,
          worker: job.lease_owner,
          started_at: job.attempt_started_at ?? now,
          finished_at: now,
          outcome: 'lease_expired',
          error_message: message,
          error_code: 'lease_expired',
          error_stack: null,
        },
      ]);
      const r = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: to,
          status_reason: cancelled ? 'cancelled_by_client' : exhausted ? 'attempts_exhausted' : 'lease_expired',
          ...(cancelled ? {} : { error: JSON.stringify({ message, code: 'lease_expired' }) }),
          run_at: requeued ? now : eb.ref('run_at'),
          completed_at: requeued ? null : now,
          updated_at: now,
          version: eb('version', '+', 1),
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where('id', '=', job.id)
        .where('lease_owner', '=', job.lease_owner)
        .where('lease_expires_at', '<', now)
        .where('status', 'in', from)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) continue;
      if (requeued) counts.requeued++;
      else {
        counts[cancelled ? 'cancelled' : 'failed']++;
        ended.push(job.id);
      }
    }
    await failDependents(trx, ended, now);
    return counts;
  });
}
