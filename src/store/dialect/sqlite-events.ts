import { sql } from 'kysely';
import { expansionOf, type NewEvent } from '../events.js';
import type { Executor } from '../store.js';
import type { EventDialect, JobLists } from './dialect.js';

// The event log on SQLite: a batch row's jobs are a JSON array (migrations 0025 and 0030). One writer
// commits at a time, so every committed event is settled, and every tx is 0 (migration 0019).

// json_each over NULL yields no row, so a LEFT JOIN keeps a row of one event as it is.
const LISTS: JobLists = {
  elements: (list) => sql`json_each(${list}) AS u`,
  k: sql<number>`u.key`,
  length: (list) => sql<number>`json_array_length(${list})`,
  holds: (list, id) => sql<boolean>`${id} IN (SELECT value FROM json_each(${list}))`,
};

/** `announce` tells this process's listeners of an appended event (the triggers announce their own). */
export function sqliteEvents(announce: (jobId: string, workspaceId: string) => void): EventDialect {
  return {
    lists: LISTS,
    // An equality on tx lets the id's range use the feed index and the rowid.
    expansion: expansionOf(LISTS, (c) => sql`e.tx = ${c.tx} AND e.id >= ${c.id}`),
    // The claims' times are comma-separated in claim_times (migration 0025).
    batchTimeOf: (time, j) =>
      sql`${time} IN (SELECT value FROM json_each('[' || COALESCE(${sql.ref(`${j}.claim_times`)}, '') || ']')
        UNION ALL SELECT ${sql.ref(`${j}.created_at`)} UNION ALL SELECT ${sql.ref(`${j}.completed_at`)})`,
    // Named, because the planner otherwise took the (job_id, seq) key for "job_id IS NULL" and read
    // every batch row.
    batchRows: sql`job_events e INDEXED BY job_events_batches`,
    rowKey: sql`rowid`,
    settled: sql``,
    feedBound: async () => undefined,
    hasUnsettled: async () => false,
    append: (db, e) => appendSqlite(db, e, announce),
  };
}

async function appendSqlite(
  db: Executor,
  e: NewEvent,
  announce: (jobId: string, workspaceId: string) => void,
): Promise<void> {
  // The job's event counter gives the seq (migration 0025: max(seq) would not see batch rows).
  await sql`UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ${e.jobId}`.execute(db);
  const { rows } = await sql<{ workspace_id: string }>`
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT j.workspace_id, j.id, j.project_id, j.type, j.event_seq, ${e.name}, ${JSON.stringify(e.data)}, ${e.actor}, ${e.at}
    FROM jobs j WHERE j.id = ${e.jobId}
    RETURNING workspace_id`.execute(db);
  for (const row of rows) announce(e.jobId, row.workspace_id);
}
