import { AppError } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { findJobsById } from '../../store/people-views.js';
import { importStatus } from './job-part.js';

/**
 * Phrase's rule for operations on a job's content: "Every job must have importStatus.status == OK …
 * Submitting a job before import completes returns 400 JOB_NOT_READY." Returns the jobs' imports by id.
 */
export async function requireImported(
  services: Services,
  workspaceId: string,
  jobs: readonly Job[],
  then: string,
): Promise<Map<string, Job>> {
  const importIds = jobs.flatMap((j) => (j.people?.importJobId != null ? [j.people.importJobId] : []));
  const imports = new Map((await findJobsById(services.store.db, workspaceId, importIds)).map((j) => [j.id, j]));
  const notReady = jobs.filter(
    (j) => importStatus(j.people?.importJobId != null ? imports.get(j.people.importJobId) : undefined).status !== 'OK',
  );
  if (notReady.length > 0) {
    throw new AppError(
      'job_not_ready',
      `The import of job ${notReady.map((j) => j.id).join(', ')} has not finished successfully (importStatus is not OK); ${then} once it is.`,
      { extra: { phraseArgs: { jobs: notReady.map((j) => ({ uid: j.id })) } } },
    );
  }
  return imports;
}
