import { sql } from 'kysely';
import type { Executor } from '../store.js';

// PostgreSQL: the feed pages by (tx, id), tx being the writing transaction's id (migration 0005). A
// transaction still in progress may yet commit events with its older tx, so readers take only events
// below the oldest transaction that may still write some: nothing can then appear behind a cursor.
//
// pg_snapshot_xmin alone counted every transaction of the cluster: another database's, another
// schema's, a long report elsewhere. Any of them hid a client's own committed writes from the feed
// until it ended. A transaction can only write our events if it holds a lock on one of this schema's
// tables, and it holds that lock from before it has an id: the executor opens a table (RowExclusiveLock
// for a write, RowShareLock for FOR UPDATE) before its first row change assigns the id, and keeps the
// lock to the end. So an in-progress id whose holder has no such lock on this schema's tables cannot
// be the tx of events still to come, and does not hold the feed back. Plain reads (AccessShareLock)
// and ANALYZE (ShareUpdateExclusiveLock) do not write rows here, and do not count either.
//
// One pg_locks read (materialized) for both the ids and the tables; and an id of the snapshot that is
// not in it any more (its transaction ended after the snapshot was taken, so this statement cannot see
// its events) still counts: only an id positively seen running without such a lock is passed over.
// Caveat for embedding programs: a transaction that got its id by writing tables of another schema and
// only then enqueues jobs here is not seen until it touches this schema's tables.
export const SETTLED_BELOW = sql<number>`(
  WITH snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  locks AS MATERIALIZED (SELECT locktype, database, relation, transactionid, virtualtransaction, mode, granted FROM pg_locks),
  elsewhere AS (
    SELECT t.transactionid FROM locks t
    WHERE t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
      AND NOT EXISTS (
        SELECT 1 FROM locks r
        WHERE r.virtualtransaction = t.virtualtransaction AND r.locktype = 'relation'
          AND r.mode NOT IN ('AccessShareLock', 'ShareUpdateExclusiveLock')
          AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND r.relation IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'job_events'::regclass))
      )
  )
  SELECT LEAST(
    pg_snapshot_xmax(s)::text::bigint,
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s) AS x WHERE x::xid NOT IN (SELECT transactionid FROM elsewhere))
  ) FROM snapshot
)`;

/**
 * The bound of a workspace's feed read. Reading pg_locks costs several times the rest of a small feed
 * read, and every feed subscriber reads on every wake-up, so it is consulted only when the cheap bound
 * (pg_snapshot_xmin) would hold back one of this workspace's committed events. Otherwise the cheap bound
 * hides nothing here yet; an event that commits after it was taken is held back once and reported as
 * unsettled, so the reader comes back and then gets the precise bound.
 */
export async function feedBound(db: Executor, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ xmin: string; held: boolean }>`
    SELECT x.xmin::text AS xmin,
      EXISTS (SELECT 1 FROM job_events WHERE workspace_id = ${workspaceId} AND tx >= x.xmin) AS held
    FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) x`.execute(db);
  if (!rows[0]!.held) return Number(rows[0]!.xmin);
  const { rows: precise } = await sql<{ below: string }>`SELECT ${SETTLED_BELOW}::text AS below`.execute(db);
  return Number(precise[0]!.below);
}
