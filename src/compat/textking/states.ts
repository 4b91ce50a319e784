import type { Job } from '../../core/job.js';
import type { ProjectState } from '../../core/people.js';

// TextKing's job and project states as Jobline's native status, reason and project state (docs/api.md,
// People work; repeated in docs/compat.md). This is the whole mapping.

export const TEXTKING_JOB_STATES = [
  'new',
  'translation-pending',
  'translation-delivered',
  'revision-requested',
  'completed',
  'canceled',
] as const;
export type TextKingJobState = (typeof TEXTKING_JOB_STATES)[number];

export const TEXTKING_PROJECT_STATES: Readonly<Record<ProjectState, string>> = {
  prepared: 'prepared',
  running: 'running',
  finished: 'finished',
  cancelled: 'canceled', // TextKing's spelling
};

/** A job's TextKing state: its native status and reason, and whether its project has started. */
export function textkingJobState(
  job: Pick<Job, 'status' | 'statusReason'>,
  projectState: ProjectState,
): TextKingJobState {
  switch (job.status) {
    case 'pending':
      // "The job has been created and the corresponding project is not yet started." A declined
      // offer is only possible once work was handed out, so it is pending translation.
      return projectState === 'prepared' && job.statusReason !== 'declined' ? 'new' : 'translation-pending';
    case 'running':
      return job.statusReason === 'revision_requested' ? 'revision-requested' : 'translation-pending';
    case 'delivered':
      return 'translation-delivered';
    case 'succeeded':
      return 'completed';
    case 'failed': // rejected: TextKing has no failed job; it will not be completed
    case 'cancelling':
    case 'cancelled':
      return 'canceled';
  }
}

/** `state` of PUT /project/{id}: the project states a client may ask for. */
export function parseProjectState(value: unknown): ProjectState | undefined {
  if (value === 'prepared' || value === 'running') return value;
  if (value === 'canceled' || value === 'cancelled') return 'cancelled';
  return undefined;
}
