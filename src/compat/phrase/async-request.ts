import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import { phraseDate } from './job-part.js';

// Phrase's asynchronous requests (Get asynchronous request, AsyncRequestDto) are Jobline's machine
// jobs: the import behind Create job and the pre-translation behind Pre-translate job. `asyncResponse`
// is null while the job is pending or running, as Phrase documents, and filled once it finished.
// Phrase's ids are integers (the path parameter `asyncRequestId` is an int64; the body's `id` a string of
// digits). Jobline numbers jobs per project (and those without a project per workspace), so a request's
// id is its project's number times 10^9 plus its job's number: project 12's job 7 is 12000000007.

/** Jobline job type → Phrase async action; other types are named in Phrase's style. */
export const ASYNC_ACTIONS: Readonly<Record<string, string>> = {
  'document-import': 'IMPORT_JOB',
  'pre-translate': 'PRE_TRANSLATE',
};

export function asyncAction(type: string): string {
  return ASYNC_ACTIONS[type] ?? type.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function asyncResponse(job: Job) {
  if (job.status === 'succeeded')
    // errorCode and errorDesc are strings in Phrase's schema: a success leaves them out.
    return { dateCreated: phraseDate(job.completedAt ?? job.updatedAt)!, errorDetails: [], warnings: [] };
  if (job.status === 'failed' || job.status === 'cancelled') {
    const message = job.error?.message ?? 'The request was cancelled.';
    const code = job.status === 'cancelled' ? 'AsyncRequestCancelled' : (job.error?.code ?? 'AsyncRequestFailed');
    return {
      dateCreated: phraseDate(job.completedAt ?? job.updatedAt)!,
      errorCode: code,
      errorDesc: message,
      errorDetails: [{ code, args: {}, message }],
      warnings: [],
    };
  }
  return null;
}

/** Job numbers below this fit beside the project number in one id. */
export const JOBS_PER_PROJECT = 1_000_000_000;

/** The integer id of a job as an async request, given its project (undefined: a job without one). */
export function asyncRequestId(job: Job, project: Pick<Project, 'number'> | undefined): string {
  return String((project?.number ?? 0) * JOBS_PER_PROJECT + job.number);
}

/** The project number and job number an async request id names, or undefined when it names none. */
export function parseAsyncRequestId(id: string): { projectNumber: number | null; number: number } | undefined {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  const n = Number(id);
  const projectNumber = Math.floor(n / JOBS_PER_PROJECT);
  return { projectNumber: projectNumber === 0 ? null : projectNumber, number: n % JOBS_PER_PROJECT };
}

/** AsyncRequestReference, as Create job's `asyncRequest`. */
export function asyncRequestReference(job: Job, project: Project | undefined) {
  return { id: asyncRequestId(job, project), dateCreated: phraseDate(job.createdAt)!, action: asyncAction(job.type) };
}

/** AsyncRequestDto: Get asynchronous request and Pre-translate job's `asyncRequest`. */
export function asyncRequest(job: Job, project: Project | undefined) {
  return {
    id: asyncRequestId(job, project),
    dateCreated: phraseDate(job.createdAt)!,
    action: asyncAction(job.type),
    asyncResponse: asyncResponse(job),
    // No request has a parent here; `parent` and a missing project are left out (objects in the schema).
    ...(project === undefined ? {} : { project: { uid: project.id, name: project.name } }),
  };
}

/**
 * The request behind Download target file (v2, v3): a job part's target is made when it is
 * downloaded, so its export request, named by the part's number, is always finished.
 */
export function exportRequest(job: Job, project: Project | undefined, now: number) {
  return {
    id: asyncRequestId(job, project),
    dateCreated: phraseDate(job.updatedAt)!,
    action: 'EXPORT_COMPLETE_FILE',
    asyncResponse: { dateCreated: phraseDate(now)!, errorDetails: [], warnings: [] },
    ...(project === undefined ? {} : { project: { uid: project.id, name: project.name } }),
  };
}
