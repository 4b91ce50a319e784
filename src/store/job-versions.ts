import {
  detailsFromRow,
  findJobDetails,
  findJobDetailsIfChanged,
  UNCHANGED,
  type JobDetails,
  type Unchanged,
} from './job-details.js';
import type { Job } from '../core/job.js';
import { findJob, toJob } from './jobs.js';
import { perStore, readBatcher } from './read-batches.js';
import type { Store } from './store.js';

// GET /v1/jobs/{id} reads a job's details, or only its version when the caller holds a rendered copy
// (see job-details.ts). Where the dialect reads many at once (PostgreSQL), the reads of the GETs
// handled together go as one statement (dialect/postgres-many-reads.ts); the details come along only
// where the version moved, or the request holds none.

/** One request's read: the job `id` of `workspaceId`, and the version the caller holds, if any. */
export interface DetailsRead {
  workspaceId: string;
  id: string;
  version?: number | undefined;
}

type Answer = JobDetails | Unchanged | undefined;

const detailsBatcher = perStore((store, many) =>
  readBatcher<DetailsRead, Answer>(
    store,
    'details',
    'turn',
    (r) => `${r.workspaceId}\n${r.id}\n${r.version ?? ''}`,
    async (reads) =>
      (await many.details(reads)).map((row) =>
        row === undefined ? undefined : row === 'unchanged' ? UNCHANGED : detailsFromRow(row),
      ),
    (r) =>
      r.version === undefined
        ? findJobDetails(store, r.workspaceId, r.id)
        : findJobDetailsIfChanged(store, r.workspaceId, r.id, r.version),
  ),
);

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
  const many = store.dialect.manyReads;
  if (many === undefined) {
    return read.version === undefined
      ? findJobDetails(store, read.workspaceId, read.id)
      : findJobDetailsIfChanged(store, read.workspaceId, read.id, read.version);
  }
  return detailsBatcher(store, many).load(read);
}

// A job's row alone, for reads that need no attempts or files (the re-reads of long polls when the
// job's events move, where every client waiting on the job reads it at once).
const jobBatcher = perStore((store, many) =>
  readBatcher<{ workspaceId: string; id: string }, Job | undefined>(
    store,
    'jobs',
    'loop',
    (r) => `${r.workspaceId}\n${r.id}`,
    async (reads) => (await many.jobs(reads)).map((row) => (row === undefined ? undefined : toJob(row))),
    (r) => findJob(store.db, r.workspaceId, r.id),
  ),
);

/** The job `id` of `workspaceId`, or undefined; batched on PostgreSQL like readJobDetails. */
export function readJob(store: Store, workspaceId: string, id: string): Promise<Job | undefined> {
  const many = store.dialect.manyReads;
  if (many === undefined) return findJob(store.db, workspaceId, id);
  return jobBatcher(store, many).load({ workspaceId, id });
}
