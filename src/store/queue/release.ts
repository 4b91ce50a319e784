import { TRANSITIONS } from '../../core/lifecycle.js';
import type { Store } from '../store.js';
import { failDependents } from './dependents.js';

/**
 * Gives jobs back when a worker shuts down before their handlers finished: the interrupted attempt
 * is not counted against the job, and a job whose cancel was requested ends cancelled.
 */
export async function releaseJobs(store: Store, workerId: string, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  const { release, confirm_cancel } = TRANSITIONS;
  await store.transaction(async (trx) => {
    await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: release.to,
        status_reason: 'queued',
        attempts: eb('attempts', '-', 1),
        run_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('lease_owner', '=', workerId)
      .where('id', 'in', ids)
      .where('status', 'in', release.from)
      .execute();
    const cancelled = await trx
      .updateTable('jobs')
      .set((eb) => ({
        status: confirm_cancel.to,
        status_reason: 'cancelled_by_client',
        completed_at: now,
        updated_at: now,
        version: eb('version', '+', 1),
        lease_owner: null,
        lease_expires_at: null,
      }))
      .where('lease_owner', '=', workerId)
      .where('id', 'in', ids)
      .where('status', 'in', confirm_cancel.from)
      .returning('id')
      .execute();
    await failDependents(
      trx,
      cancelled.map((r) => r.id),
      now,
    );
  });
}
