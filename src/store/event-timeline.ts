import { sql, type RawBuilder } from 'kysely';
import type { EventRow } from './events.js';
import type { Executor, Store } from './store.js';

// A job's own events, read on both databases by one query: its own rows by (job_id, seq), and the
// batch rows holding one of its events (migration 0030), found by the times such rows have (the job's
// created_at, its claims' times, its completed_at) through the index of batch rows, then by the job's
// place in their job_ids. A job that retention expired keeps only its own rows' events, as before.

/** The batch rows holding events of the job `j`, as `e` joined to `u` (the job's place in the batch). */
function batchesOfJob(store: Store): RawBuilder<unknown> {
  const d = store.dialect.events;
  return sql`${d.batchRows} ON e.job_id IS NULL AND e.workspace_id = j.workspace_id AND ${d.batchTimeOf(sql`e.created_at`, 'j')}
    JOIN ${d.lists.elements(sql`e.job_ids`)} ON u.value = j.id`;
}

/** A job's events after `afterSeq`, its batch rows expanded, by seq. */
export async function jobEventRows(
  store: Store,
  jobId: string,
  afterSeq: number,
  order: 'asc' | 'desc',
  limit: number,
): Promise<EventRow[]> {
  const { rows } = await sql<EventRow>`
    SELECT e.id, e.tx, 0 AS k, e.workspace_id, e.job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM job_events e WHERE e.job_id = ${jobId} AND e.seq > ${afterSeq}
    UNION ALL
    SELECT e.id, e.tx, ${store.dialect.events.lists.k} AS k, e.workspace_id, j.id AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM jobs j JOIN ${batchesOfJob(store)}
    WHERE j.id = ${jobId} AND j.expired_at IS NULL AND e.seq > ${afterSeq}
    ORDER BY seq ${order === 'asc' ? sql`ASC` : sql`DESC`} LIMIT ${limit}`.execute(store.db);
  return rows;
}

/** Every event of these jobs by job and seq (TextKing's callbacks compute states from them). */
export async function historyOfJobs(
  db: Executor,
  store: Store,
  jobIds: string[],
): Promise<{ job_id: string; seq: number; name: string; data: unknown }[]> {
  const { rows } = await sql<{ job_id: string; seq: number; name: string; data: unknown }>`
    SELECT e.job_id, e.seq, e.name, e.data FROM job_events e WHERE ${store.dialect.oneOf(sql`e.job_id`, jobIds, 'uuid')}
    UNION ALL
    SELECT j.id, e.seq, e.name, e.data FROM jobs j JOIN ${batchesOfJob(store)}
    WHERE ${store.dialect.oneOf(sql`j.id`, jobIds, 'uuid')}
    ORDER BY job_id, seq`.execute(db);
  return rows;
}

/**
 * Deletes batch rows whose jobs are all tombstones or gone, created before `createdBefore` (a batch is
 * never younger than its jobs' completion); returns how many went.
 */
export async function expireBatchRows(
  db: Executor,
  store: Store,
  createdBefore: number,
  limit: number,
): Promise<number> {
  const d = store.dialect.events;
  const result = await sql`
    DELETE FROM job_events WHERE ${d.rowKey} IN (
      SELECT e.${d.rowKey} FROM ${d.batchRows}
      WHERE e.job_id IS NULL AND e.created_at <= ${createdBefore}
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE ${d.lists.holds(sql`e.job_ids`, sql`j.id`)} AND j.expired_at IS NULL)
      LIMIT ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
