import {
  detailsFromRow,
  findJobDetails,
  findJobDetailsIfChanged,
  POSTGRES_LISTS,
  UNCHANGED,
  type DetailsRow,
  type JobDetails,
  type Unchanged,
} from './job-details.js';
import type { Job } from '../core/job.js';
import { findJob, toJob, type JobRow } from './jobs.js';
import { perStore, readBatcher } from './read-batches.js';
import type { Store } from './store.js';

// GET /v1/jobs/{id} reads a job's details, or only its version when the caller holds a rendered copy
// (see job-details.ts). On PostgreSQL the reads of the GETs handled together go as one statement:
// each request is a row of the arrays, matched to its job within its own workspace, so a job is never
// answered to a request of another workspace even within one statement; the details come along only
// where the version moved, or the request holds none.

/** One request's read: the job `id` of `workspaceId`, and the version the caller holds, if any. */
export interface DetailsRead {
  workspaceId: string;
  id: string;
  version?: number | undefined;
}

const POSTGRES_DETAILS_MANY = `
SELECT r.n AS jl_n, d.*
  FROM unnest($1::uuid[], $2::text[], $3::bigint[]) WITH ORDINALITY AS r(id, workspace_id, version, n)
  JOIN jobs j ON j.id = r.id AND j.workspace_id = r.workspace_id
  LEFT JOIN LATERAL (SELECT j.*, ${POSTGRES_LISTS} WHERE r.version IS NULL OR j.version <> r.version) d ON true`;

type Answer = JobDetails | Unchanged | undefined;

const detailsBatcher = perStore((store) => {
  if (store.raw.kind !== 'postgres') throw new Error('batched reads are for PostgreSQL');
  const pool = store.raw.pool;
  return readBatcher<DetailsRead, Answer>(
    store,
    'details',
    'turn',
    (r) => `${r.workspaceId}\n${r.id}\n${r.version ?? ''}`,
    async (reads) => {
      const { rows } = await pool.query<DetailsRow & { jl_n: number }>({
        // Named, so each connection parses and plans it once; the arrays keep its text the same for
        // any number of requests.
        name: 'jobline_job_details_many',
        text: POSTGRES_DETAILS_MANY,
        values: [reads.map((r) => r.id), reads.map((r) => r.workspaceId), reads.map((r) => r.version ?? null)],
      });
      const answers: Answer[] = new Array(reads.length).fill(undefined);
      for (const row of rows) answers[row.jl_n - 1] = row.id === null ? UNCHANGED : detailsFromRow(row);
      return answers;
    },
    (r) =>
      r.version === undefined
        ? findJobDetails(store, r.workspaceId, r.id)
        : findJobDetailsIfChanged(store, r.workspaceId, r.id, r.version),
  );
});

/**
 * The job's details, `UNCHANGED` when the caller holds `version` and the job is still at it, or
 * undefined when the workspace has no such job. SQLite reads at once on its own connection: a
 * statement there costs the same inside a batch as alone, and the synchronous read spares the
 * request a promise and a turn of the loop.
 */
export function readJobDetails(
  store: Store,
  read: DetailsRead & { version?: undefined },
): Promise<JobDetails | undefined>;
export function readJobDetails(store: Store, read: DetailsRead): Promise<Answer>;
export function readJobDetails(store: Store, read: DetailsRead): Promise<Answer> {
  if (store.raw.kind === 'sqlite') {
    return read.version === undefined
      ? findJobDetails(store, read.workspaceId, read.id)
      : findJobDetailsIfChanged(store, read.workspaceId, read.id, read.version);
  }
  return detailsBatcher(store).load(read);
}

// A job's row alone, for reads that need no attempts or files (the re-reads of long polls when the
// job's events move, where every client waiting on the job reads it at once).
const POSTGRES_JOBS_MANY = `
SELECT r.n AS jl_n, j.*
  FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(id, workspace_id, n)
  JOIN jobs j ON j.id = r.id AND j.workspace_id = r.workspace_id`;

const jobBatcher = perStore((store) => {
  if (store.raw.kind !== 'postgres') throw new Error('batched reads are for PostgreSQL');
  const pool = store.raw.pool;
  return readBatcher<{ workspaceId: string; id: string }, Job | undefined>(
    store,
    'jobs',
    'loop',
    (r) => `${r.workspaceId}\n${r.id}`,
    async (reads) => {
      const { rows } = await pool.query<JobRow & { jl_n: number }>({
        name: 'jobline_jobs_many',
        text: POSTGRES_JOBS_MANY,
        values: [reads.map((r) => r.id), reads.map((r) => r.workspaceId)],
      });
      const answers: (Job | undefined)[] = new Array(reads.length).fill(undefined);
      for (const row of rows) answers[row.jl_n - 1] = toJob(row);
      return answers;
    },
    (r) => findJob(store.db, r.workspaceId, r.id),
  );
});

/** The job `id` of `workspaceId`, or undefined; batched on PostgreSQL like readJobDetails. */
export function readJob(store: Store, workspaceId: string, id: string): Promise<Job | undefined> {
  if (store.raw.kind === 'sqlite') return findJob(store.db, workspaceId, id);
  return jobBatcher(store).load({ workspaceId, id });
}
