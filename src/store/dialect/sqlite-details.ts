import type SQLite from 'better-sqlite3';
import { JOB_COLUMNS, type DetailsRow } from '../job-details.js';

// A job with its attempts and files on SQLite, read on the query-only reader connection, not
// Kysely's: a read there between the awaits of another request's open transaction would see its
// uncommitted writes. Rows are read as arrays, which better-sqlite3 builds far faster than objects of
// this many properties.

const DETAILS = `
SELECT ${JOB_COLUMNS.map((c) => `j.${c}`).join(', ')},
  (SELECT json_group_array(json_array(a.number, a.worker, a.started_at, a.finished_at, a.outcome, a.error_message, a.error_code, a.error_stack))
     FROM (SELECT * FROM job_attempts WHERE job_id = j.id ORDER BY started_at, number) a) AS jl_attempts,
  (SELECT json_group_array(json_array(f.id, f.workspace_id, f.role, f.name, f.content_type, f.size, f.sha256, f.created_at, f.expires_at))
     FROM (SELECT * FROM files WHERE job_id = j.id ORDER BY role, name) f) AS jl_files
FROM jobs j WHERE j.id = ? AND j.workspace_id = ?`;

/** A row of DETAILS as one object literal, so every row has the same shape; indexes follow JOB_COLUMNS. */
function detailsRow(v: readonly unknown[]): DetailsRow {
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
    schedule_id: v[38],
    traceparent: v[39],
    tracestate: v[40],
    concurrency_key: v[41],
    deduplication_key: v[42],
    succeeded_by: v[43],
    jl_attempts: v[44],
    jl_files: v[45],
  } satisfies Record<keyof DetailsRow, unknown> as DetailsRow;
}

// The version alone: one index search and one row, much less than the details read.
const VERSION = 'SELECT version FROM jobs WHERE id = ? AND workspace_id = ?';

// A version read stays true until some connection commits: SQLite's data_version, read on this
// connection, changes whenever another connection (this process's writer, another process) has
// committed. It is read once per stretch of synchronous work (until the current promise jobs have
// run: the routes the request hooks run together), so every request still asks the database after
// it started and sees every change committed before; the versions read since the last change answer
// the polls of the jobs they are for without another search.
const DATA_VERSION = 'PRAGMA data_version';

// A bound on the versions kept; past it they are dropped and read again.
const MAX_KNOWN = 100_000;

/** The reads on `reader`, prepared at the first call: preparing costs about as much as running these. */
export function sqliteDetailsReader(reader: SQLite.Database): {
  details(workspaceId: string, id: string): DetailsRow | undefined;
  version(workspaceId: string, id: string): number | undefined;
} {
  let details: SQLite.Statement<[string, string], unknown[]> | undefined;
  let version: SQLite.Statement<[string, string], number> | undefined;
  let dataVersion: SQLite.Statement<[], number> | undefined;
  let checked: number | undefined;
  let knownAt: number | undefined;
  const known = new Map<string, { workspaceId: string; version: number }>();
  const currentDataVersion = (): number => {
    if (checked === undefined) {
      dataVersion ??= reader.prepare<[], number>(DATA_VERSION).pluck();
      checked = dataVersion.get()!;
      queueMicrotask(() => {
        checked = undefined;
      });
    }
    return checked;
  };
  return {
    details(workspaceId, id) {
      details ??= reader.prepare<[string, string], unknown[]>(DETAILS).raw();
      const values = details.get(id, workspaceId);
      return values === undefined ? undefined : detailsRow(values);
    },
    version(workspaceId, id) {
      const at = currentDataVersion();
      if (at !== knownAt) {
        known.clear();
        knownAt = at;
      }
      const hit = known.get(id);
      if (hit !== undefined && hit.workspaceId === workspaceId) return hit.version;
      version ??= reader.prepare<[string, string], number>(VERSION).pluck();
      const current = version.get(id, workspaceId);
      if (current !== undefined) {
        if (known.size >= MAX_KNOWN) known.clear();
        known.set(id, { workspaceId, version: current });
      }
      return current;
    },
  };
}
