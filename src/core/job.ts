import type { JobStatus, StatusReason } from './lifecycle.js';
import type { PeopleWork } from './people.js';

/** A job as the services see it; timestamps are epoch milliseconds, JSON columns already parsed. */
export interface Job {
  id: string;
  workspaceId: string;
  projectId: string | null;
  number: number;
  type: string;
  name: string | null;
  executor: 'worker' | 'people';
  status: JobStatus;
  statusReason: StatusReason | null;
  priority: number;
  input: unknown;
  output: unknown;
  error: JobError | null;
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  /** Per attempt; null means the job type's default (or none). */
  timeoutMs: number | null;
  runAt: number;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  updatedAt: number;
  version: number;
  /** Set when retention emptied the finished job; it then answers 410 Gone. */
  expiredAt: number | null;
  /** Providers, due date, workflow step and source of a job done by people; null for machine jobs. */
  people?: PeopleWork | null;
  /** Where this job's events are POSTed, signed with the workspace's callback secret. */
  callbackUrl?: string | null;
  /** The schedule that created this job (services/schedules.ts), if one did. */
  scheduleId?: string | null;
  /** The worker holding the job's lease (running its current attempt), when one does. */
  leaseOwner?: string | null;
  /** Flow control (docs/flow-control.md): the key per-key limits count by, and the key creates deduplicate by. */
  concurrencyKey?: string | null;
  deduplicationKey?: string | null;
}

/** What a worker needs of a job it claimed: reading back every column cost as much as the claim itself. */
export type ClaimedJob = Pick<
  Job,
  'id' | 'workspaceId' | 'projectId' | 'type' | 'input' | 'attempts' | 'maxAttempts' | 'timeoutMs'
>;

export interface JobError {
  message: string;
  code?: string;
}

// A type is a name a worker registers for; the pattern keeps it safe in URLs, metrics labels and logs.
export const JOB_TYPE_PATTERN = '^[a-z][a-z0-9._-]{0,63}$';

export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;
export const DEFAULT_MAX_ATTEMPTS = 3;

/** One attempt at a job: which worker ran it, when, and how it ended. */
export interface AttemptRecord {
  number: number;
  worker: string | null;
  startedAt: number;
  finishedAt: number | null;
  outcome: string;
  error: { message: string; code: string | null; stack: string | null } | null;
}
