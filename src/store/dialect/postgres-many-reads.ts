import type { Selectable } from 'kysely';
import type pg from 'pg';
import type { DetailsRow } from '../job-details.js';
import type { JobRow } from '../jobs.js';
import type { ApiTokensTable } from '../schema.js';
import type { DetailsIfChanged, ManyReads } from './dialect.js';
import { LISTS } from './postgres-details.js';

// The reads many requests make at once, each request a row of the statement's arrays: a job is
// matched within its own workspace, so a request is never answered another workspace's job even
// within one statement. Named prepared statements; the arrays keep their text the same for any
// number of requests, so each connection parses and plans them once.

//
// An unchanged job, the common answer to a poll, gives no row at all: the driver's cost grows with the
// rows and columns it parses, and a row of NULLs for every column of the details is most of that cost
// on a batch of polls. A missing job gives a row of NULLs (its `id` NULL), a changed or asked-for job
// its details; a request with no row is thus one whose job is still at the version it holds.
const DETAILS_MANY = `
SELECT r.n AS jl_n, d.*
  FROM unnest($1::uuid[], $2::text[], $3::bigint[]) WITH ORDINALITY AS r(id, workspace_id, version, n)
  LEFT JOIN jobs j ON j.id = r.id AND j.workspace_id = r.workspace_id
  LEFT JOIN LATERAL (SELECT j.*, ${LISTS} WHERE j.id IS NOT NULL) d ON true
 WHERE j.id IS NULL OR r.version IS NULL OR j.version <> r.version`;

// A job's row alone, for reads that need no attempts or files (the re-reads of long polls).
const JOBS_MANY = `
SELECT r.n AS jl_n, j.*
  FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS r(id, workspace_id, n)
  JOIN jobs j ON j.id = r.id AND j.workspace_id = r.workspace_id`;

const TOKENS_MANY = 'SELECT * FROM api_tokens WHERE prefix = ANY($1::text[])';

export function postgresManyReads(pool: pg.Pool): ManyReads {
  return {
    async details(reads) {
      const { rows } = await pool.query<DetailsRow & { jl_n: number }>({
        name: 'jobline_job_details_many',
        text: DETAILS_MANY,
        values: [reads.map((r) => r.id), reads.map((r) => r.workspaceId), reads.map((r) => r.version ?? null)],
      });
      const answers: DetailsIfChanged[] = new Array(reads.length).fill('unchanged');
      for (const row of rows) answers[row.jl_n - 1] = row.id === null ? undefined : row;
      return answers;
    },
    async jobs(reads) {
      const { rows } = await pool.query<JobRow & { jl_n: number }>({
        name: 'jobline_jobs_many',
        text: JOBS_MANY,
        values: [reads.map((r) => r.id), reads.map((r) => r.workspaceId)],
      });
      const answers: (JobRow | undefined)[] = new Array(reads.length).fill(undefined);
      for (const row of rows) answers[row.jl_n - 1] = row;
      return answers;
    },
    async tokens(prefixes) {
      const { rows } = await pool.query<Selectable<ApiTokensTable>>({
        name: 'jobline_tokens_many',
        text: TOKENS_MANY,
        values: [prefixes],
      });
      const byPrefix = new Map(rows.map((row) => [row.prefix, row]));
      return prefixes.map((prefix) => byPrefix.get(prefix));
    },
  };
}
