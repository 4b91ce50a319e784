import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import { TRANSITIONS, allowedActions } from '../core/lifecycle.js';
import { requeueJob } from '../store/queue.js';
import type { Services } from './context.js';
import { getJob } from './job-reads.js';

// Changes a client asks of a machine job's state (cancelling is services/job-cancel.ts), and the
// conflict every such change answers when the job's state does not allow it.

export function stateConflict(job: Job, action: string): AppError {
  return new AppError('job_state_conflict', `The job is ${job.status}; it cannot ${action}.`, {
    // `status` is the HTTP status in a problem body, so the job's own status is `job_status`.
    extra: {
      status: job.status,
      job_status: job.status,
      status_reason: job.statusReason,
      allowed_actions: allowedActions(job.status, job.executor),
    },
  });
}

/**
 * Requeues a failed or cancelled job with a fresh set of attempts (its earlier attempts stay in its
 * history). It runs even if a job it depends on did not succeed: a retry is an explicit decision.
 */
export async function retryJob(services: Services, principal: Principal, id: string): Promise<Job> {
  const job = await getJob(services, principal, id);
  // A people job is reopened (POST /v1/jobs/{id}/reopen), not requeued for a worker.
  if (job.executor === 'people' || !TRANSITIONS.retry.from.includes(job.status)) throw stateConflict(job, 'be retried');
  const updated = await requeueJob(services.store.db, principal.workspaceId, id, services.clock.now());
  if (updated === undefined) throw stateConflict(await getJob(services, principal, id), 'be retried');
  services.wakeups.jobsAdded();
  return updated;
}
