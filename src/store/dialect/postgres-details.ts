import type pg from 'pg';
import type { DetailsRow } from '../job-details.js';
import type { DetailsIfChanged } from './dialect.js';

// A job with its attempts and files on PostgreSQL: named prepared statements, planned once per connection.

// The attempts and files of the job `j`, as the JSON arrays detailsFromRow reads.
export const LISTS = `
  COALESCE((SELECT json_agg(json_build_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack)
     ORDER BY a.started_at, a.number) FROM job_attempts a WHERE a.job_id = j.id), '[]') AS jl_attempts,
  COALESCE((SELECT json_agg(json_build_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at)
     ORDER BY f.role, f.name) FROM files f WHERE f.job_id = j.id), '[]') AS jl_files`;

const DETAILS = `SELECT j.*, ${LISTS} FROM jobs j WHERE j.id = $1 AND j.workspace_id = $2`;

// The same read for a caller that already holds version $3 of the job (a rendered copy): the job's
// details only when the job's version differs, in one round trip either way: an unchanged job gives a
// row of NULLs, a missing one no row.
const DETAILS_IF_CHANGED = `
SELECT d.* FROM jobs j LEFT JOIN LATERAL (SELECT j.*, ${LISTS} WHERE j.version <> $3) d ON true
WHERE j.id = $1 AND j.workspace_id = $2`;

export async function postgresDetails(pool: pg.Pool, workspaceId: string, id: string): Promise<DetailsRow | undefined> {
  const { rows } = await pool.query<DetailsRow>({
    name: 'jobline_job_details',
    text: DETAILS,
    values: [id, workspaceId],
  });
  return rows[0];
}

export async function postgresDetailsIfChanged(
  pool: pg.Pool,
  workspaceId: string,
  id: string,
  version: number,
): Promise<DetailsIfChanged> {
  const { rows } = await pool.query<DetailsRow>({
    name: 'jobline_job_details_if_changed',
    text: DETAILS_IF_CHANGED,
    values: [id, workspaceId, version],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  return row.id === null ? 'unchanged' : row;
}
