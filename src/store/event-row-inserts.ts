import { repeatedTuples } from './batch-sql.js';

// SQLite: event rows written by the store's own statements rather than by triggers (the batch rows of
// created, running and succeeded events, and a claimed-on-insert job's running event), as multi-row
// INSERTs of one text per size. PostgreSQL's triggers write the same rows (its migration 0030).

/** A job_events row: a job's own (jobId) or a batch row (jobIds, in the order of their k). */
export interface EventRowToWrite {
  workspaceId: string;
  jobId: string | null;
  jobIds: readonly string[] | null;
  projectId: string | null;
  jobType: string;
  seq: number;
  name: string;
  /** The data as JSON text. */
  data: string;
  actor: string | null;
  createdAt: number;
}

/** Rows per statement, well under SQLite's limit of bound parameters (10 each). */
const ROWS_PER_STATEMENT = 500;
const insertSql = new Map<number, string>();

/** The INSERT statements appending `rows` in their order (ids ascending). */
export function eventRowInserts(rows: readonly EventRowToWrite[]): { text: string; values: unknown[] }[] {
  const statements: { text: string; values: unknown[] }[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const text = repeatedTuples(
      insertSql,
      chunk.length,
      10,
      (tuples) =>
        `INSERT INTO job_events (workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at) VALUES ${tuples}`,
    );
    const values: unknown[] = [];
    for (const r of chunk) {
      values.push(
        r.workspaceId,
        r.jobId,
        r.jobIds === null ? null : JSON.stringify(r.jobIds),
        r.projectId,
        r.jobType,
        r.seq,
        r.name,
        r.data,
        r.actor,
        r.createdAt,
      );
    }
    statements.push({ text, values });
  }
  return statements;
}

/**
 * Groups `items` by the values of `fields`, in the order of each group's first item: one batch row
 * per group, its jobs (`id`) in the order of `items`. A batch's jobs mostly come in runs of one
 * group, so an item whose fields equal those of the item before joins its group without a key text
 * being built and hashed for it.
 */
export function groupInOrder<T>(
  items: readonly T[],
  fields: readonly ((item: T) => string | number | null)[],
  id: (item: T) => string,
): { first: T; ids: string[] }[] {
  if (items.length === 1) return [{ first: items[0]!, ids: [id(items[0]!)] }];
  const groups = new Map<string, { first: T; ids: string[] }>();
  const key = (item: T) => fields.map((f) => f(item) ?? '').join('\u0000');
  const same = (item: T, before: T) => fields.every((f) => f(item) === f(before));
  let before: T | undefined;
  let last: { first: T; ids: string[] } | undefined;
  for (const item of items) {
    if (last !== undefined && before !== undefined && same(item, before)) last.ids.push(id(item));
    else {
      const k = key(item);
      last = groups.get(k);
      if (last === undefined) groups.set(k, (last = { first: item, ids: [id(item)] }));
      else last.ids.push(id(item));
    }
    before = item;
  }
  return [...groups.values()];
}
