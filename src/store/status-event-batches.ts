import { repeatedTuples } from './batch-sql.js';

// SQLite (migration 0025): the status events of a claim and of a completion batch as batch rows, one
// job_events row per group of jobs whose event is the same but for the job (workspace, project, type,
// seq, attempt, error), its jobs listed in job_ids. The claim's and the completion's UPDATE bump each
// job's event_seq and return the columns below, which the status trigger then leaves to this.

/** The columns a batched status change returns per job (after RETURNING). */
export interface StatusChangedRow {
  id: string;
  workspace_id: string;
  project_id: string | null;
  type: string;
  attempts: number;
  event_seq: number;
  /** The job's error as stored (JSON text), or null. */
  error: string | null;
}

export interface StatusChange {
  status: string;
  statusReason: string;
  previousStatus: string;
  /** The worker, for job.running (as the trigger's actor); null otherwise. */
  actor: string | null;
  at: number;
}

/** Batch rows per statement, well under SQLite's limit of bound parameters (9 each). */
const ROWS_PER_STATEMENT = 500;
const insertSql = new Map<number, string>();

/**
 * The INSERT statements appending `rows`' events, in the order of `rows` (the first job of each group
 * decides where the group's row goes; a job's k is its index in job_ids).
 */
export function statusEventBatches(
  rows: StatusChangedRow[],
  change: StatusChange,
): { text: string; values: unknown[] }[] {
  const groups = new Map<string, { first: StatusChangedRow; ids: string[] }>();
  for (const r of rows) {
    const key = `${r.workspace_id}\u0000${r.project_id ?? ''}\u0000${r.type}\u0000${r.event_seq}\u0000${r.attempts}\u0000${r.error ?? ''}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: r, ids: [r.id] });
    else group.ids.push(r.id);
  }
  // The trigger's json_object(…), in its key order; error is stored JSON already.
  const head = `{"status":${JSON.stringify(change.status)},"status_reason":${JSON.stringify(change.statusReason)},"previous_status":${JSON.stringify(change.previousStatus)},"attempt":`;
  const name = `job.${change.status}`;
  const all = [...groups.values()];
  const statements: { text: string; values: unknown[] }[] = [];
  for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
    const chunk = all.slice(i, i + ROWS_PER_STATEMENT);
    const text = repeatedTuples(
      insertSql,
      chunk.length,
      9,
      (tuples) =>
        `INSERT INTO job_events (workspace_id, job_ids, project_id, job_type, seq, name, data, actor, created_at) VALUES ${tuples}`,
    );
    const values: unknown[] = [];
    for (const { first: r, ids } of chunk) {
      values.push(
        r.workspace_id,
        JSON.stringify(ids),
        r.project_id,
        r.type,
        r.event_seq,
        name,
        `${head}${r.attempts},"error":${r.error ?? 'null'}}`,
        change.actor,
        change.at,
      );
    }
    statements.push({ text, values });
  }
  return statements;
}
