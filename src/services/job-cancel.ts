import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import { TRANSITIONS, isTerminal } from '../core/lifecycle.js';
import * as jobs from '../store/jobs.js';
import { failDependents } from '../store/queue.js';
import type { Services } from './context.js';
import { getJob } from './job-reads.js';
import { stateConflict } from './job-changes.js';
import { cancelPeopleJob } from './people.js';

// Cancelling is its own module because it covers both kinds of job: the job modules (job-reads.ts,
// job-changes.ts) are below people.ts (people work is created and read as jobs), so only a module
// above both can send a people job there.

/**
 * Pending → cancelled at once; running → cancelling (the engine stops the handler and ends it
 * cancelled); cancelling stays as it is; a finished job is a 409. A lost race re-reads and decides again.
 */
export async function cancelJob(services: Services, principal: Principal, id: string): Promise<Job> {
  for (let tries = 0; tries < 5; tries++) {
    const job = await getJob(services, principal, id);
    if (job.executor === 'people') return cancelPeopleJob(services, principal, job);
    if (job.status === 'cancelling') return job;
    if (isTerminal(job.status)) throw stateConflict(job, 'be cancelled');
    const action = job.status === 'pending' ? 'cancel' : 'request_cancel';
    const { from, to } = TRANSITIONS[action];
    const now = services.clock.now();
    const changed = await services.store.transaction(async (trx) => {
      const updated = await jobs.transitionJob(trx, principal.workspaceId, id, from, to, {
        statusReason: action === 'cancel' ? 'cancelled_by_client' : 'cancel_requested',
        now,
        ...(action === 'cancel' ? { completedAt: now } : {}),
      });
      if (updated !== undefined && action === 'cancel') await failDependents(trx, [id], now);
      return updated;
    });
    if (changed !== undefined) {
      if (action === 'request_cancel') services.wakeups.cancelRequested(id);
      return changed;
    }
  }
  throw new AppError('version_conflict', 'The job kept changing while it was being cancelled; try again.');
}
