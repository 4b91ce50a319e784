import { sql } from 'kysely';
import { expansionOf } from '../events.js';
import type { EventDialect, JobLists } from './dialect.js';
import { feedBound, SETTLED_BELOW } from './postgres-settled.js';

// The event log on PostgreSQL: a batch row's jobs are a uuid[] (migrations 0024 and 0030); the
// feed's order is settled by transaction (migration 0005). The triggers write the batch rows.

const LISTS: JobLists = {
  elements: (list) => sql`LATERAL unnest(${list}) WITH ORDINALITY AS u(value, n)`,
  k: sql<number>`(u.n - 1)`,
  length: (list) => sql<number>`cardinality(${list})`,
  holds: (list, id) => sql<boolean>`${id} = ANY(${list})`,
};

export const postgresEvents: EventDialect = {
  lists: LISTS,
  expansion: expansionOf(LISTS, (c) => sql`(e.tx, e.id) >= (${c.tx}::bigint, ${c.id}::bigint)`),
  // A claim's time is in claim_times (migration 0030); the partial index on created_at answers each.
  batchTimeOf: (time, j) =>
    sql`${time} = ANY(${sql.ref(`${j}.claim_times`)} || ARRAY[${sql.ref(`${j}.created_at`)}, ${sql.ref(`${j}.completed_at`)}])`,
  batchRows: sql`job_events e`,
  rowKey: sql`ctid`,
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
  async append(db, e) {
    await sql`SELECT jobline_append_event(${e.jobId}::uuid, ${e.name}, ${JSON.stringify(e.data)}::jsonb, ${e.actor}, ${e.at}::bigint)`.execute(
      db,
    );
  },
};
