import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import { phraseDate } from './job-part.js';

// Phrase's asynchronous requests (Get asynchronous request, AsyncRequestDto) are Jobline's machine
// jobs: the import behind Create job and the pre-translation behind Pre-translate job. `asyncResponse`
// is null while the job is pending or running, as Phrase documents, and filled once it finished.

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
    return {
      dateCreated: phraseDate(job.completedAt ?? job.updatedAt)!,
      errorCode: null,
      errorDesc: null,
      errorDetails: [],
      warnings: [],
    };
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

/** AsyncRequestReference, as Create job's `asyncRequest`. */
export function asyncRequestReference(job: Job) {
  return { id: job.id, dateCreated: phraseDate(job.createdAt)!, action: asyncAction(job.type) };
}

/** AsyncRequestDto: Get asynchronous request and Pre-translate job's `asyncRequest`. */
export function asyncRequest(job: Job, project: Project | undefined) {
  return {
    id: job.id,
    dateCreated: phraseDate(job.createdAt)!,
    action: asyncAction(job.type),
    asyncResponse: asyncResponse(job),
    parent: null,
    project: project === undefined ? null : { uid: project.id, name: project.name },
  };
}
