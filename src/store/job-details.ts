import { CompiledQuery } from 'kysely';
import type { Job } from '../core/job.js';
import type { FileRow } from './files.js';
import { toJob, type JobRow } from './jobs.js';
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

type DetailsRow = JobRow & { jl_attempts: unknown; jl_files: unknown };

const SQLITE_DETAILS = `
SELECT j.*,
  (SELECT json_group_array(json_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack))
     FROM (SELECT * FROM job_attempts WHERE job_id = j.id ORDER BY started_at, number) a) AS jl_attempts,
  (SELECT json_group_array(json_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at))
     FROM (SELECT * FROM files WHERE job_id = j.id ORDER BY role, name) f) AS jl_files
FROM jobs j WHERE j.id = ? AND j.workspace_id = ?`;

const POSTGRES_DETAILS = `
SELECT j.*,
  COALESCE((SELECT json_agg(json_build_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack)
     ORDER BY a.started_at, a.number) FROM job_attempts a WHERE a.job_id = j.id), '[]') AS jl_attempts,
  COALESCE((SELECT json_agg(json_build_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at)
     ORDER BY f.role, f.name) FROM files f WHERE f.job_id = j.id), '[]') AS jl_files
FROM jobs j WHERE j.id = $1 AND j.workspace_id = $2`;

export async function findJobDetails(store: Store, workspaceId: string, id: string): Promise<JobDetails | undefined> {
  let row: DetailsRow | undefined;
  if (store.raw.kind === 'sqlite') {
    // Through Kysely's connection (not a side handle), so a read never sees another request's
    // uncommitted transaction; the store's statement cache prepares the SQL once.
    const { rows } = await store.db.executeQuery<DetailsRow>(CompiledQuery.raw(SQLITE_DETAILS, [id, workspaceId]));
    row = rows[0];
  } else {
    const { rows } = await store.raw.pool.query<DetailsRow>({ name: 'jobline_job_details', text: POSTGRES_DETAILS, values: [id, workspaceId] });
    row = rows[0];
  }
  if (row === undefined) return undefined;
  const attempts = (JSON.parse(String(row.jl_attempts)) as unknown[][]).map(
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
