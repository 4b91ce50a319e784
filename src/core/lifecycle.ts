// The one job lifecycle (docs/architecture.md, Job lifecycle). Every status change in the system goes
// through this table, and the store turns it into the WHERE clause of a guarded UPDATE, so two racing
// requests can never both win: the loser changes no row and gets a 409.

export const JOB_STATUSES = [
  'pending',
  'running',
  'delivered',
  'succeeded',
  'failed',
  'cancelling',
  'cancelled',
] as const;
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

/**
 * Actions on work done by people (executor `people`, docs/api.md, People work). A pending people job is new,
 * offered to its providers, declined by them, waiting for its input or for the previous workflow
 * step; `offer` and `decline` change only its reason. Who may take each action is in PEOPLE_ACTORS.
 */
export type PeopleAction =
  'offer' | 'accept' | 'decline' | 'deliver' | 'request_revision' | 'accept_delivery' | 'reject' | 'cancel' | 'reopen';

export interface PeopleTransition extends Transition {
  /** The status_reason the job gets. */
  reason: StatusReason;
}

export const PEOPLE_TRANSITIONS: Record<PeopleAction, PeopleTransition> = {
  offer: { from: ['pending'], to: 'pending', reason: 'offered' },
  accept: { from: ['pending'], to: 'running', reason: 'accepted' },
  decline: { from: ['pending'], to: 'pending', reason: 'declined' },
  deliver: { from: ['running'], to: 'delivered', reason: 'delivered' },
  request_revision: { from: ['delivered'], to: 'running', reason: 'revision_requested' },
  accept_delivery: { from: ['delivered'], to: 'succeeded', reason: 'delivery_accepted' },
  reject: { from: ['running', 'delivered'], to: 'failed', reason: 'rejected' },
  cancel: { from: ['pending', 'running', 'delivered'], to: 'cancelled', reason: 'cancelled_by_client' },
  reopen: { from: ['succeeded', 'failed', 'cancelled'], to: 'pending', reason: 'reopened' },
};

export const PEOPLE_ACTIONS = Object.keys(PEOPLE_TRANSITIONS) as PeopleAction[];

/**
 * Who may take a people action: `provider` actions are the assigned provider's (its own token, or a
 * workspace token with jobs:write acting for it); `customer` actions need a workspace token with jobs:write.
 */
export const PEOPLE_ACTORS: Record<PeopleAction, 'provider' | 'customer'> = {
  offer: 'customer',
  accept: 'provider',
  decline: 'provider',
  deliver: 'provider',
  request_revision: 'customer',
  accept_delivery: 'customer',
  reject: 'customer',
  cancel: 'customer',
  reopen: 'customer',
};

/** Reasons of a pending people job that is not available yet: actions needing the document answer 400 job_not_ready. */
export const NOT_READY_REASONS: readonly StatusReason[] = ['input_not_ready', 'waiting'];

/** The actions a client may take on a job in this status (shown in 409 bodies and the dashboard). */
export function allowedActions(status: JobStatus, executor: 'worker' | 'people' = 'worker'): string[] {
  if (executor === 'people') return PEOPLE_ACTIONS.filter((a) => PEOPLE_TRANSITIONS[a].from.includes(status));
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
  // people work
  'new',
  'input_not_ready',
  'offered',
  'declined',
  'accepted',
  'revision_requested',
  'delivered',
  'delivery_accepted',
  'rejected',
  'reopened',
] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];
