import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import type { AttemptRecord, Job } from '../core/job.js';
import { jobFor } from '../core/provider-view.js';
import type { JobDetails } from '../store/job-details.js';
import { readJob, readJobDetails } from '../store/job-versions.js';
import { listAttempts } from '../store/queue.js';
import type { JobAttemptsTable } from '../store/schema.js';
import type { Services } from './context.js';
import { fileInfo, type FileInfo } from './files.js';

// Reading one job, as the principal asking may see it.

export async function getJob(services: Services, principal: Principal, id: string): Promise<Job> {
  return visible(principal, id, await readJob(services.store, principal.workspaceId, id));
}

export interface JobView {
  job: Job;
  attempts: AttemptRecord[];
  files: FileInfo[];
}

/** A job with its attempts and files, read in one statement (GET /v1/jobs/{id}). */
export async function getJobDetails(services: Services, principal: Principal, id: string): Promise<JobView> {
  return jobView(principal, id, await readJobDetails(services.store, { workspaceId: principal.workspaceId, id }));
}

/**
 * For a caller that showed version `version` of the job to a token of the same workspace: 'unchanged'
 * while the job is still at that version (a version that was visible stays visible: expiry moves it),
 * the job's details otherwise. A provider's token sees a job only when assigned, so it always reads.
 */
export async function getJobDetailsIfChanged(
  services: Services,
  principal: Principal,
  id: string,
  version: number,
): Promise<JobView | 'unchanged'> {
  if (principal.providerId !== undefined) return getJobDetails(services, principal, id);
  const read = await readJobDetails(services.store, { workspaceId: principal.workspaceId, id, version });
  return read !== undefined && 'unchanged' in read ? 'unchanged' : jobView(principal, id, read);
}

function jobView(principal: Principal, id: string, details: JobDetails | undefined): JobView {
  const job = visible(principal, id, details?.job);
  return { job, attempts: details!.attempts.map(toAttemptRecord), files: details!.files.map(fileInfo) };
}

/** The job as this principal may see it: 404 when it does not exist for them, 410 when expired. */
function visible(principal: Principal, id: string, job: Job | undefined): Job {
  if (job === undefined) throw notFound('job', id);
  // A provider's token sees only the jobs assigned to its provider; the others do not exist for it.
  if (principal.providerId !== undefined && !(job.people?.providers ?? []).some((p) => p.id === principal.providerId))
    throw notFound('job', id);
  if (job.expiredAt !== null) {
    throw new AppError('gone', `The job finished more than the retention period ago and its data was removed.`, {
      extra: { expired_at: new Date(job.expiredAt).toISOString() },
    });
  }
  return jobFor(job, principal.providerId);
}

export async function jobAttempts(services: Services, job: Job): Promise<AttemptRecord[]> {
  if (job.attempts === 0 && job.startedAt === null) return [];
  const rows = await listAttempts(services.store.db, job.id);
  return rows.map(toAttemptRecord);
}

function toAttemptRecord(r: JobAttemptsTable): AttemptRecord {
  return {
    number: r.number,
    worker: r.worker,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    error: r.error_message === null ? null : { message: r.error_message, code: r.error_code, stack: r.error_stack },
  };
}
