import type SQLite from 'better-sqlite3';
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

export type DetailsRow = JobRow & { jl_attempts: unknown; jl_files: unknown };

/** The columns as given, when they name every column of the jobs table (a compile error otherwise). */
function everyJobColumn<T extends readonly (keyof JobRow)[]>(
  columns: T & ([Exclude<keyof JobRow, T[number]>] extends [never] ? unknown : never),
): T {
  return columns;
}

// The job's columns in the order the SQLite statement returns them: it reads rows as arrays, which
// better-sqlite3 builds far faster than objects of this many properties (see sqliteDetailsRow).
const JOB_COLUMNS = everyJobColumn([
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
] as const);

const SQLITE_DETAILS = `
SELECT ${JOB_COLUMNS.map((c) => `j.${c}`).join(', ')},
  (SELECT json_group_array(json_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack))
     FROM (SELECT * FROM job_attempts WHERE job_id = j.id ORDER BY started_at, number) a) AS jl_attempts,
  (SELECT json_group_array(json_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at))
     FROM (SELECT * FROM files WHERE job_id = j.id ORDER BY role, name) f) AS jl_files
FROM jobs j WHERE j.id = ? AND j.workspace_id = ?`;

/** A row of SQLITE_DETAILS as one object literal, so every row has the same shape; indexes follow JOB_COLUMNS. */
function sqliteDetailsRow(v: readonly unknown[]): DetailsRow {
  return {
    id: v[0],
    workspace_id: v[1],
    project_id: v[2],
    number: v[3],
    type: v[4],
    name: v[5],
    executor: v[6],
    status: v[7],
    status_reason: v[8],
    priority: v[9],
    input: v[10],
    output: v[11],
    error: v[12],
    progress: v[13],
    progress_message: v[14],
    attempts: v[15],
    max_attempts: v[16],
    run_at: v[17],
    timeout_ms: v[18],
    lease_owner: v[19],
    lease_expires_at: v[20],
    created_at: v[21],
    started_at: v[22],
    completed_at: v[23],
    updated_at: v[24],
    version: v[25],
    attempt_started_at: v[26],
    expired_at: v[27],
    callback_url: v[28],
    providers: v[29],
    due_at: v[30],
    reference_id: v[31],
    workflow_level: v[32],
    continuous: v[33],
    import_job_id: v[34],
    source_updated_at: v[35],
    target_updated_at: v[36],
    continuous_updated_at: v[37],
    jl_attempts: v[38],
    jl_files: v[39],
  } satisfies Record<keyof DetailsRow, unknown> as DetailsRow;
}

// The attempts and files of the job `j`, as the JSON arrays detailsFromRow reads.
export const POSTGRES_LISTS = `
  COALESCE((SELECT json_agg(json_build_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack)
     ORDER BY a.started_at, a.number) FROM job_attempts a WHERE a.job_id = j.id), '[]') AS jl_attempts,
  COALESCE((SELECT json_agg(json_build_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at)
     ORDER BY f.role, f.name) FROM files f WHERE f.job_id = j.id), '[]') AS jl_files`;

const POSTGRES_DETAILS = `SELECT j.*, ${POSTGRES_LISTS} FROM jobs j WHERE j.id = $1 AND j.workspace_id = $2`;

// The same read for a caller that already holds version $3 of the job (a rendered copy): the job's
// details only when the job's version differs, in one round trip either way: an unchanged job gives a
// row of NULLs, a missing one no row.
const POSTGRES_DETAILS_IF_CHANGED = `
SELECT d.* FROM jobs j LEFT JOIN LATERAL (SELECT j.*, ${POSTGRES_LISTS} WHERE j.version <> $3) d ON true
WHERE j.id = $1 AND j.workspace_id = $2`;

// On SQLite the version alone: one index search and one row, much less than the details read.
const SQLITE_VERSION = 'SELECT version FROM jobs WHERE id = ? AND workspace_id = ?';

/** A statement prepared once per reader connection: preparing costs about as much as running these. */
function preparedOnce<S>(prepare: (reader: SQLite.Database) => S): (reader: SQLite.Database) => S {
  const statements = new WeakMap<SQLite.Database, S>();
  return (reader) => {
    let statement = statements.get(reader);
    if (statement === undefined) {
      statement = prepare(reader);
      statements.set(reader, statement);
    }
    return statement;
  };
}

const sqliteDetails = preparedOnce((reader) => reader.prepare<[string, string], unknown[]>(SQLITE_DETAILS).raw());
const sqliteVersion = preparedOnce((reader) => reader.prepare<[string, string], number>(SQLITE_VERSION).pluck());

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
  if (store.raw.kind === 'sqlite') {
    // Two statements when the job changed: it may change again between them, and then the details
    // carry the newer version, which is what the caller keeps.
    const current = sqliteVersion(store.raw.reader).get(id, workspaceId);
    if (current === undefined) return undefined;
    if (current === version) return UNCHANGED;
    return findJobDetails(store, workspaceId, id);
  }
  const { rows } = await store.raw.pool.query<DetailsRow>({
    name: 'jobline_job_details_if_changed',
    text: POSTGRES_DETAILS_IF_CHANGED,
    values: [id, workspaceId, version],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  if (row.id === null) return UNCHANGED;
  return detailsFromRow(row);
}

export async function findJobDetails(store: Store, workspaceId: string, id: string): Promise<JobDetails | undefined> {
  let row: DetailsRow | undefined;
  if (store.raw.kind === 'sqlite') {
    // On the reader connection, not Kysely's: a read there between the awaits of another request's
    // open transaction would see its uncommitted writes.
    const values = sqliteDetails(store.raw.reader).get(id, workspaceId);
    row = values === undefined ? undefined : sqliteDetailsRow(values);
  } else {
    const { rows } = await store.raw.pool.query<DetailsRow>({
      name: 'jobline_job_details',
      text: POSTGRES_DETAILS,
      values: [id, workspaceId],
    });
    row = rows[0];
  }
  return row === undefined ? undefined : detailsFromRow(row);
}

export function detailsFromRow(row: DetailsRow): JobDetails {
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
