import { sql, type Transaction } from 'kysely';
import type { JobEvent } from '../core/events.js';
import { pastCursor, rowPosition, toEvent, type EventRow, type FeedCursor } from './events.js';
import type { Database } from './schema.js';
import type { Executor, Store } from './store.js';

// The dispatcher's position in the global event log, and its reads of that log. The order is
// (tx, id) on both databases, with the same rule as the workspace feed (see migration 0005): on
// PostgreSQL only events of transactions older than every transaction still running are read, so no
// event can commit behind the cursor. On SQLite tx is always 0, so the order is the id's, the table's
// own key: it needs no index of its own (SQLite migration 0019 dropped it), which every event paid for.
// A batch row (the created, running or succeeded events of one statement, migration 0030 of both
// databases) is one event per job, and the cursor's k says how far into the batch the dispatcher got.

/**
 * Locks the cursor row for this transaction and returns the cursor, or undefined when another
 * dispatcher holds it (PostgreSQL; it will see the same events, so this one has nothing to do).
 * On SQLite the first statement is a write, so the transaction takes the write lock at once rather
 * than failing to upgrade a read lock later.
 */
export async function lockDispatchCursor(trx: Transaction<Database>, store: Store): Promise<FeedCursor | undefined> {
  const row = await store.dialect.lockDispatchCursor(trx);
  return row === undefined ? undefined : { tx: Number(row.tx), id: Number(row.event_id), k: Number(row.event_k) };
}

/** The cursor as it stands, without locking it. */
export async function readDispatchCursor(db: Executor): Promise<FeedCursor> {
  const row = await db
    .selectFrom('webhook_dispatch')
    .select(['tx', 'event_id', 'event_k'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { tx: Number(row.tx), id: Number(row.event_id), k: Number(row.event_k) };
}

/** Is there an event to dispatch after `after`? A read, so an idle poll writes nothing. */
export async function hasEventsAfter(db: Executor, store: Store, after: FeedCursor): Promise<boolean> {
  // A row counts when its last event is past the cursor.
  const x = store.dialect.events.expansion;
  const { rows } = await sql`
    SELECT 1 FROM job_events e
    WHERE ${pastCursor(x, x.lastK, after)} ${store.dialect.events.settled}
    LIMIT 1`.execute(db);
  return rows.length > 0;
}

export async function moveDispatchCursor(trx: Executor, cursor: FeedCursor): Promise<void> {
  await trx
    .updateTable('webhook_dispatch')
    .set({ tx: cursor.tx, event_id: cursor.id, event_k: cursor.k })
    .where('id', '=', 1)
    .execute();
}

export interface DispatchEvent extends JobEvent {
  /** The job's callback_url, if it has one (null once the job is gone). */
  callbackUrl: string | null;
  /** The event's position, for the cursor. */
  position: FeedCursor;
}

/** Events of every workspace after `after`, in feed order, each with its job's callback_url. */
export async function readEventsAfter(
  db: Executor,
  store: Store,
  after: FeedCursor,
  limit: number,
): Promise<DispatchEvent[]> {
  const x = store.dialect.events.expansion;
  // A batch's jobs that retention expired or that were deleted are left out, as their own rows would have been.
  const { rows } = await sql<EventRow & { callback_url: string | null }>`
    SELECT ${x.columns}, j.callback_url
    FROM ${x.from} LEFT JOIN jobs j ON j.id = COALESCE(e.job_id, ${x.jobId})
    WHERE ${pastCursor(x, x.k, after)} ${store.dialect.events.settled}
      AND (e.job_ids IS NULL OR (j.id IS NOT NULL AND j.expired_at IS NULL))
    ORDER BY e.tx, e.id, k
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => dispatchEvent(r, r.callback_url));
}

function dispatchEvent(r: EventRow, callbackUrl: string | null): DispatchEvent {
  return { ...toEvent(r), position: rowPosition(r), callbackUrl: callbackUrl ?? null };
}

/** PostgreSQL: are there events past the cursor whose transactions' order is not settled yet? */
export async function hasUnsettledEvents(store: Store, after: FeedCursor): Promise<boolean> {
  return store.dialect.events.hasUnsettled(store.db, after.tx);
}
