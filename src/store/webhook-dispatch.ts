import { sql, type Transaction } from 'kysely';
import type { JobEvent } from '../core/events.js';
import { toEvent, type EventRow, type FeedCursor } from './events.js';
import type { Database } from './schema.js';
import type { Executor, Store } from './store.js';

// The dispatcher's position in the global event log, and its reads of that log. The order is
// (tx, id) on both databases, with the same rule as the workspace feed (see migration 0005): on
// PostgreSQL only events of transactions older than every transaction still running are read, so no
// event can commit behind the cursor. On SQLite tx is always 0, so the order is the id's, the table's
// own key: it needs no index of its own (SQLite migration 0019 dropped it), which every event paid for.

/**
 * Locks the cursor row for this transaction and returns the cursor, or undefined when another
 * dispatcher holds it (PostgreSQL; it will see the same events, so this one has nothing to do).
 * On SQLite the first statement is a write, so the transaction takes the write lock at once rather
 * than failing to upgrade a read lock later.
 */
export async function lockDispatchCursor(trx: Transaction<Database>, store: Store): Promise<FeedCursor | undefined> {
  const row = store.capabilities.skipLocked
    ? await trx.selectFrom('webhook_dispatch').select(['tx', 'event_id']).where('id', '=', 1).forUpdate().skipLocked().executeTakeFirst()
    : await trx.updateTable('webhook_dispatch').set((eb) => ({ id: eb.ref('id') })).where('id', '=', 1).returning(['tx', 'event_id']).executeTakeFirst();
  return row === undefined ? undefined : { tx: Number(row.tx), id: Number(row.event_id) };
}

/** The cursor as it stands, without locking it. */
export async function readDispatchCursor(db: Executor): Promise<FeedCursor> {
  const row = await db.selectFrom('webhook_dispatch').select(['tx', 'event_id']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { tx: Number(row.tx), id: Number(row.event_id) };
}

/** Is there an event to dispatch after `after`? A read, so an idle poll writes nothing. */
export async function hasEventsAfter(db: Executor, store: Store, after: FeedCursor): Promise<boolean> {
  if (store.capabilities.dialect !== 'postgres') return (await db.selectFrom('job_events').select('id').where('id', '>', after.id).limit(1).executeTakeFirst()) !== undefined;
  const q = db
    .selectFrom('job_events')
    .select('id')
    .where((eb) => eb.or([eb('tx', '>', after.tx), eb.and([eb('tx', '=', after.tx), eb('id', '>', after.id)])]))
    .where('tx', '<', settledBelow);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

export async function moveDispatchCursor(trx: Executor, cursor: FeedCursor): Promise<void> {
  await trx.updateTable('webhook_dispatch').set({ tx: cursor.tx, event_id: cursor.id }).where('id', '=', 1).execute();
}

export interface DispatchEvent extends JobEvent {
  /** The job's callback_url, if it has one (null once the job is gone). */
  callbackUrl: string | null;
  /** The event's position, for the cursor. */
  position: FeedCursor;
}

const settledBelow = sql<number>`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

/** Events of every workspace after `after`, in feed order, each with its job's callback_url. */
export async function readEventsAfter(db: Executor, store: Store, after: FeedCursor, limit: number): Promise<DispatchEvent[]> {
  const q = db.selectFrom('job_events as e').leftJoin('jobs as j', 'j.id', 'e.job_id').selectAll('e').select('j.callback_url');
  const rows =
    store.capabilities.dialect === 'postgres'
      ? await q
          .where((eb) => eb.or([eb('e.tx', '>', after.tx), eb.and([eb('e.tx', '=', after.tx), eb('e.id', '>', after.id)])]))
          .where('e.tx', '<', settledBelow)
          .orderBy('e.tx')
          .orderBy('e.id')
          .limit(limit)
          .execute()
      : await q.where('e.id', '>', after.id).orderBy('e.id').limit(limit).execute();
  return rows.map((r) => ({ ...toEvent(r as EventRow), position: { tx: Number(r.tx), id: Number(r.id) }, callbackUrl: r.callback_url ?? null }));
}

/** PostgreSQL: are there events past the cursor whose transactions' order is not settled yet? */
export async function hasUnsettledEvents(store: Store, after: FeedCursor): Promise<boolean> {
  if (store.capabilities.dialect !== 'postgres') return false;
  const row = await store.db.selectFrom('job_events').select('id').where('tx', '>=', settledBelow).where('tx', '>=', after.tx).limit(1).executeTakeFirst();
  return row !== undefined;
}
