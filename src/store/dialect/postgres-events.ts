import { sql } from 'kysely';
import { expandedColumns, type EventRow, type Expansion } from '../events.js';
import { pgArray } from '../pg-arrays.js';
import type { EventDialect } from './dialect.js';
import { feedBound, SETTLED_BELOW } from './postgres-settled.js';

// The event log on PostgreSQL: a job's own rows, and batched created events (migration 0024) whose
// job_ids list the jobs one INSERT created; the feed's order is settled by transaction (migration 0005).

/**
 * The batched created event of the job `j`. Found through the partial index on created_at: a batch
 * row's created_at is its jobs' own.
 */
const CREATED_BATCH_OF_JOB = sql`e.job_id IS NULL AND e.created_at = j.created_at AND e.workspace_id = j.workspace_id AND j.id = ANY(e.job_ids)`;

const K = sql<number>`COALESCE(u.n - 1, 0)`;
const EXPANSION: Expansion = {
  from: sql`job_events e LEFT JOIN LATERAL unnest(e.job_ids) WITH ORDINALITY AS u(job_id, n) ON true`,
  columns: expandedColumns(K, sql`u.job_id`),
  jobId: sql`u.job_id`,
  k: K,
  lastK: sql<number>`COALESCE(cardinality(e.job_ids), 1) - 1`,
  rowsFrom: (c) => sql`(e.tx, e.id) >= (${c.tx}::bigint, ${c.id}::bigint)`,
};

export const postgresEvents: EventDialect = {
  expansion: EXPANSION,
  settled: sql`AND e.tx < ${SETTLED_BELOW}`,
  feedBound,
  async hasUnsettled(db, tx) {
    const row = await db
      .selectFrom('job_events')
      .select('id')
      .where('tx', '>=', SETTLED_BELOW)
      .where('tx', '>=', tx)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },
  // A job's own rows, and its batched created event when the timeline starts before it.
  async jobEventRows(db, jobId, afterSeq, order, limit) {
    const created =
      afterSeq < 1
        ? sql`UNION ALL
        SELECT e.id, e.tx, array_position(e.job_ids, j.id) - 1 AS k, e.workspace_id, j.id AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
        FROM jobs j JOIN job_events e ON ${CREATED_BATCH_OF_JOB}
        WHERE j.id = ${jobId} AND j.expired_at IS NULL`
        : sql``;
    const { rows } = await sql<EventRow>`
    SELECT e.id, e.tx, 0 AS k, e.workspace_id, e.job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM job_events e WHERE e.job_id = ${jobId} AND e.seq > ${afterSeq}
    ${created}
    ORDER BY seq ${order === 'asc' ? sql`ASC` : sql`DESC`} LIMIT ${limit}`.execute(db);
    return rows;
  },
  async historyOfJobs(db, jobIds) {
    const { rows } = await sql<{ job_id: string; seq: number; name: string; data: unknown }>`
      SELECT e.job_id, e.seq, e.name, e.data FROM job_events e WHERE e.job_id = ANY(${pgArray(jobIds)}::uuid[])
      UNION ALL
      SELECT j.id, e.seq, e.name, e.data FROM jobs j JOIN job_events e ON ${CREATED_BATCH_OF_JOB}
      WHERE j.id = ANY(${pgArray(jobIds)}::uuid[])
      ORDER BY job_id, seq`.execute(db);
    return rows;
  },
  async append(db, e) {
    await sql`SELECT jobline_append_event(${e.jobId}::uuid, ${e.name}, ${JSON.stringify(e.data)}::jsonb, ${e.actor}, ${e.at}::bigint)`.execute(
      db,
    );
  },
  async expireBatches(db, createdBefore, limit) {
    const result = await sql`
      DELETE FROM job_events WHERE ctid IN (
        SELECT e.ctid FROM job_events e
        WHERE e.job_id IS NULL AND e.created_at <= ${createdBefore}
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = ANY(e.job_ids) AND j.expired_at IS NULL)
        LIMIT ${limit})`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },
};
