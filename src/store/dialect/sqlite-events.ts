import { sql } from 'kysely';
import { expandedColumns, type EventRow, type Expansion, type NewEvent } from '../events.js';
import type { Executor } from '../store.js';
import type { EventDialect } from './dialect.js';

// The event log on SQLite: a job's own rows, and batch rows of status events (migration 0025) whose
// job_ids list the jobs one claim or completion changed. One writer commits at a time, so every
// committed event is settled, and every tx is 0 (migration 0019).

/**
 * The batch rows holding events of the job `j`, as `e` joined to `u` (the job's place in the batch).
 * Found through the partial index on created_at by the times such events have: a claim's
 * (jobs.claim_times) and the completion's (completed_at). Named, because the planner otherwise took
 * the (job_id, seq) key for "job_id IS NULL" and read every batch row.
 */
const BATCHES_OF_JOB = sql`job_events e INDEXED BY job_events_batches ON e.job_id IS NULL AND e.workspace_id = j.workspace_id
    AND e.created_at IN (SELECT value FROM json_each('[' || COALESCE(j.claim_times, '') || ']') UNION ALL SELECT j.completed_at)
  JOIN json_each(e.job_ids) AS u ON u.value = j.id`;

// json_each over NULL yields no row, so the LEFT JOIN keeps a row of one event as it is. An equality
// on tx lets the id's range use the feed index and the rowid.
const K = sql<number>`COALESCE(u.key, 0)`;
const EXPANSION: Expansion = {
  from: sql`job_events e LEFT JOIN json_each(e.job_ids) AS u`,
  columns: expandedColumns(K, sql`u.value`),
  jobId: sql`u.value`,
  k: K,
  lastK: sql<number>`COALESCE(json_array_length(e.job_ids), 1) - 1`,
  rowsFrom: (c) => sql`e.tx = ${c.tx} AND e.id >= ${c.id}`,
};

/** `announce` tells this process's listeners of an appended event (the triggers announce their own). */
export function sqliteEvents(announce: (jobId: string, workspaceId: string) => void): EventDialect {
  return {
    expansion: EXPANSION,
    settled: sql``,
    feedBound: async () => undefined,
    hasUnsettled: async () => false,
    async jobEventRows(db, jobId, afterSeq, order, limit) {
      const { rows } = await sql<EventRow>`
    SELECT e.id, e.tx, 0 AS k, e.workspace_id, e.job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM job_events e WHERE e.job_id = ${jobId} AND e.seq > ${afterSeq}
    UNION ALL
    SELECT e.id, e.tx, u.key AS k, e.workspace_id, j.id AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM jobs j JOIN ${BATCHES_OF_JOB}
    WHERE j.id = ${jobId} AND j.expired_at IS NULL AND e.seq > ${afterSeq}
    ORDER BY seq ${order === 'asc' ? sql`ASC` : sql`DESC`} LIMIT ${limit}`.execute(db);
      return rows;
    },
    async historyOfJobs(db, jobIds) {
      const ids = JSON.stringify(jobIds);
      const { rows } = await sql<{ job_id: string; seq: number; name: string; data: unknown }>`
        SELECT e.job_id, e.seq, e.name, e.data FROM job_events e WHERE e.job_id IN (SELECT value FROM json_each(${ids}))
        UNION ALL
        SELECT j.id, e.seq, e.name, e.data FROM jobs j JOIN ${BATCHES_OF_JOB}
        WHERE j.id IN (SELECT value FROM json_each(${ids}))
        ORDER BY job_id, seq`.execute(db);
      return rows;
    },
    append: (db, e) => appendSqlite(db, e, announce),
    async expireBatches(db, createdBefore, limit) {
      const result = await sql`
        DELETE FROM job_events WHERE id IN (
          SELECT e.id FROM job_events e
          WHERE e.job_id IS NULL AND e.created_at <= ${createdBefore}
            AND NOT EXISTS (SELECT 1 FROM json_each(e.job_ids) u JOIN jobs j ON j.id = u.value WHERE j.expired_at IS NULL)
          LIMIT ${limit})`.execute(db);
      return Number(result.numAffectedRows ?? 0);
    },
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
