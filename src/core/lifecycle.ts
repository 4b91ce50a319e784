// The one job lifecycle (DESIGN.md §4). Every status change in the system goes through this table,
// and the store turns it into the WHERE clause of a guarded UPDATE, so two racing requests can never
// both win: the loser changes no row and gets a 409.

export const JOB_STATUSES = ['pending', 'running', 'delivered', 'succeeded', 'failed', 'cancelling', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Actions that move a job; the engine and the people workflow add their own as they land. */
export type JobAction =
  | 'claim' // a worker takes a pending job
  | 'complete' // handler returned
  | 'fail' // handler gave up
  | 'retry_later' // attempt failed, another will follow
  | 'release' // lease lost or worker shut down
  | 'cancel' // client asks to stop a job that has not started
  | 'request_cancel' // client asks to stop a running job; the engine finishes it
  | 'confirm_cancel' // the handler stopped after a cancel request
  | 'retry'; // client requeues a failed or cancelled job

export interface Transition {
  from: readonly JobStatus[];
  to: JobStatus;
}

export const TRANSITIONS: Record<JobAction, Transition> = {
  claim: { from: ['pending'], to: 'running' },
  complete: { from: ['running'], to: 'succeeded' },
  fail: { from: ['running'], to: 'failed' },
  retry_later: { from: ['running'], to: 'pending' },
  release: { from: ['running'], to: 'pending' },
  cancel: { from: ['pending'], to: 'cancelled' },
  request_cancel: { from: ['running'], to: 'cancelling' },
  confirm_cancel: { from: ['cancelling'], to: 'cancelled' },
  retry: { from: ['failed', 'cancelled'], to: 'pending' },
};

/** The actions a client may take on a job in this status (shown in 409 bodies and the dashboard). */
export function allowedActions(status: JobStatus): JobAction[] {
  return (Object.keys(TRANSITIONS) as JobAction[]).filter((a) => TRANSITIONS[a].from.includes(status));
}

/** Why a job is in its status; free text is not allowed so clients can branch on it. */
export const STATUS_REASONS = [
  'queued',
  'scheduled',
  'waiting',
  'retrying',
  'claimed',
  'cancel_requested',
  'cancelled_by_client',
  'completed',
  'failed',
  'attempts_exhausted',
  'lease_expired',
  'dependency_failed',
] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];
