import type { Job } from '../core/job.js';
import type { FileRow } from './files.js';
import { toJob, type JobRow } from './jobs.js';
import { withSucceededAttempt } from './queue/attempts.js';
import type { JobAttemptsTable } from './schema.js';
import type { Store } from './store.js';

// GET /v1/jobs/{id} shows a job with its attempts and files. Read as three queries, the two lists cost
// more than the job itself; here one statement returns the row with both lists as JSON arrays
// (empty when there are none), in the orders listAttempts and listJobFiles use.

export interface JobDetails {
  job: Job;
  attempts: JobAttemptsTable[];
  files: FileRow[];
}

export type DetailsRow = JobRow & { jl_attempts: unknown; jl_files: unknown };

/** The columns as given, when they name every column of the jobs table (a compile error otherwise). */
function everyJobColumn<T extends readonly (keyof JobRow)[]>(
  columns: T & ([Exclude<keyof JobRow, T[number]>] extends [never] ? unknown : never),
): T {
  return columns;
}

// The job's columns in the order a statement reading rows as arrays returns them (dialect/sqlite-details.ts).
export const JOB_COLUMNS = everyJobColumn([
  'id',
  'workspace_id',
  'project_id',
  'number',
  'type',
  'name',
  'executor',
  'status',
  'status_reason',
  'priority',
  'input',
  'output',
  'error',
  'progress',
  'progress_message',
  'attempts',
  'max_attempts',
  'run_at',
  'timeout_ms',
  'lease_owner',
  'lease_expires_at',
  'created_at',
  'started_at',
  'completed_at',
  'updated_at',
  'version',
  'attempt_started_at',
  'expired_at',
  'callback_url',
  'providers',
  'due_at',
  'reference_id',
  'workflow_level',
  'continuous',
  'import_job_id',
  'source_updated_at',
  'target_updated_at',
  'continuous_updated_at',
  'schedule_id',
  'traceparent',
  'tracestate',
  'concurrency_key',
  'deduplication_key',
  'succeeded_by',
] as const);

/** The job is still at the version the caller holds. */
export interface Unchanged {
  unchanged: true;
}

export const UNCHANGED: Unchanged = { unchanged: true };

/**
 * The job's details, or `UNCHANGED` when its version is still `version` (every change to the job, its
 * attempts or its files moves the version; see writeJobFile). Undefined when there is no such job.
 */
export async function findJobDetailsIfChanged(
  store: Store,
  workspaceId: string,
  id: string,
  version: number,
): Promise<JobDetails | Unchanged | undefined> {
  const row = await store.dialect.jobDetailsIfChanged(workspaceId, id, version);
  if (row === undefined) return undefined;
  return row === 'unchanged' ? UNCHANGED : detailsFromRow(row);
}

export async function findJobDetails(store: Store, workspaceId: string, id: string): Promise<JobDetails | undefined> {
  const row = await store.dialect.jobDetails(workspaceId, id);
  return row === undefined ? undefined : detailsFromRow(row);
}

export function detailsFromRow(row: DetailsRow): JobDetails {
  const recorded = (JSON.parse(String(row.jl_attempts)) as unknown[][]).map(
    ([number, worker, startedAt, finishedAt, outcome, errorMessage, errorCode, errorStack]): JobAttemptsTable => ({
      job_id: row.id,
      number: Number(number),
      worker: worker as string | null,
      started_at: Number(startedAt),
      finished_at: finishedAt === null ? null : Number(finishedAt),
      outcome: outcome as JobAttemptsTable['outcome'],
      error_message: errorMessage as string | null,
      error_code: errorCode as string | null,
      error_stack: errorStack as string | null,
    }),
  );
  const attempts = withSucceededAttempt(recorded, row);
  const files = (JSON.parse(String(row.jl_files)) as unknown[][]).map(
    ([fileId, fileWorkspace, role, name, contentType, size, sha256, createdAt, expiresAt]): FileRow => ({
      id: fileId as string,
      workspace_id: fileWorkspace as string,
      job_id: row.id,
      role: role as FileRow['role'],
      name: name as string,
      content_type: contentType as string,
      size: Number(size),
      sha256: sha256 as string,
      created_at: Number(createdAt),
      expires_at: expiresAt === null ? null : Number(expiresAt),
    }),
  );
  return { job: toJob(row), attempts, files };
}
