import { TRANSITIONS } from '../../core/lifecycle.js';
import type { Job } from '../../core/job.js';
import { toJob } from '../jobs.js';
import type { Executor } from '../store.js';

/** Puts a failed or cancelled job back in the queue with a fresh set of attempts. */
export async function requeueJob(db: Executor, workspaceId: string, id: string, now: number): Promise<Job | undefined> {
  const { from, to } = TRANSITIONS.retry;
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: to,
      status_reason: 'queued',
      attempts: 0,
      error: null,
      output: null,
      progress: 0,
      progress_message: null,
      run_at: now,
      completed_at: null,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}
