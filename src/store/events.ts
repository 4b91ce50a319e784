import { sql, type RawBuilder } from 'kysely';
import type { JobEvent } from '../core/events.js';
import type { JobLists } from './dialect/dialect.js';
import { jobEventRows } from './event-timeline.js';
import type { Executor, Store } from './store.js';

// Reading the event log. Events are written in the transaction of the change: by the triggers of
// migration 0005 and their successors (on SQLite the job inserts, the claim and the completion write
// their batch rows themselves, migrations 0025 and 0030), and by appendEvent for changes the triggers
// cannot see.

/** A job_events row as either database returns it, a batch row expanded (k > 0 for its later jobs). */
export interface EventRow {
  id: number;
  tx: number;
  k?: number | string;
  workspace_id: string;
  job_id: string | null;
  project_id: string | null;
  job_type: string;
  seq: number;
  name: string;
  data: unknown;
  actor: string | null;
  created_at: number;
}

/**
 * The feed's position: (transaction, id), see the PostgreSQL migration 0005 for why not the id alone,
 * and k, the job's index within a batch row (migration 0030; 0 for every other row).
 */
export interface FeedCursor {
  tx: number;
  id: number;
  k: number;
}

export const FEED_START: FeedCursor = { tx: 0, id: 0, k: 0 };

/** "tx-id", or "tx-id-k" inside a batch: cursors handed out before batches existed stay valid. */
export function encodeCursor(c: FeedCursor): string {
  return c.k === 0 ? `${c.tx}-${c.id}` : `${c.tx}-${c.id}-${c.k}`;
}

/** undefined when the text is not a cursor this service handed out. */
export function decodeCursor(text: string): FeedCursor | undefined {
  const m = /^(\d{1,19})-(\d{1,19})(?:-(\d{1,9}))?$/.exec(text);
  if (m === null) return undefined;
  const cursor = { tx: Number(m[1]), id: Number(m[2]), k: m[3] === undefined ? 0 : Number(m[3]) };
  return Number.isSafeInteger(cursor.tx) && Number.isSafeInteger(cursor.id) ? cursor : undefined;
}

export function rowPosition(r: Pick<EventRow, 'tx' | 'id' | 'k'>): FeedCursor {
  return { tx: Number(r.tx), id: Number(r.id), k: Number(r.k ?? 0) };
}

export function toEvent(r: EventRow): JobEvent {
  return {
    cursor: encodeCursor(rowPosition(r)),
    jobId: r.job_id!,
    workspaceId: r.workspace_id,
    projectId: r.project_id,
    jobType: r.job_type,
    seq: Number(r.seq),
    name: r.name,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    actor: r.actor,
    createdAt: Number(r.created_at),
  };
}

/**
 * An event row with a batch row expanded into one row per job (the created, running and succeeded
 * events of one statement, migration 0030 of both databases), as `e` joined to `u`, one row per
 * element of e.job_ids (one row of NULLs for a row of one event).
 */
export interface Expansion {
  from: RawBuilder<unknown>;
  /** EventRow's columns, k being the job's index in the batch (0 for a row of one event). */
  columns: RawBuilder<unknown>;
  /** The expanded job's id (NULL for a row of one event). */
  jobId: RawBuilder<unknown>;
  /** The expanded event's k: the job's index in the batch, 0 for a row of one event. */
  k: RawBuilder<number>;
  /** The k of the last event the row `e` holds: its batch's last job, or 0 for a row of one event. */
  lastK: RawBuilder<number>;
  /**
   * The rows holding events at or after `c`, as an index condition of the (…, tx, id) indexes (and on
   * SQLite of the table's own key), so a page starts where the cursor is rather than at the log's beginning.
   */
  rowsFrom(c: FeedCursor): RawBuilder<unknown>;
}

/** The columns of an expanded row. */
const expandedColumns = (k: RawBuilder<number>, jobId: RawBuilder<unknown>) =>
  sql`e.id, e.tx, ${k} AS k, e.workspace_id, COALESCE(e.job_id, ${jobId}) AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at`;

/** The one expansion, written with a dialect's list primitives; `rowsFrom` as Expansion.rowsFrom. */
export function expansionOf(lists: JobLists, rowsFrom: (c: FeedCursor) => RawBuilder<unknown>): Expansion {
  const k = sql<number>`COALESCE(${lists.k}, 0)`;
  return {
    from: sql`job_events e LEFT JOIN ${lists.elements(sql`e.job_ids`)} ON true`,
    columns: expandedColumns(k, sql`u.value`),
    jobId: sql`u.value`,
    k,
    lastK: sql<number>`COALESCE(${lists.length(sql`e.job_ids`)}, 1) - 1`,
    rowsFrom,
  };
}

/**
 * Past `c` in (tx, id, k) order, where `k` is an expanded event's (Expansion.k: events after the
 * cursor) or a row's last (Expansion.lastK: rows holding any event after it).
 */
export function pastCursor(x: Expansion, k: RawBuilder<number>, c: FeedCursor): RawBuilder<unknown> {
  return sql`${x.rowsFrom(c)} AND (e.tx, e.id, ${k}) > (${c.tx}, ${c.id}, ${c.k})`;
}

/** A job's events after `afterSeq`, oldest first. */
export async function listJobEvents(store: Store, jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
  return (await jobEventRows(store, jobId, afterSeq, 'asc', limit)).map(toEvent);
}

export interface FeedFilter {
  projectId?: string | undefined;
  jobType?: string | undefined;
  /** Exact event names; undefined for all. */
  names?: string[] | undefined;
}

export interface FeedPage {
  events: JobEvent[];
  /** Where the next read starts: past every event returned and every event the filter skipped. */
  next: FeedCursor;
  /** PostgreSQL: events newer than the cursor exist but their transactions' order is not settled yet. */
  unsettled: boolean;
}

/**
 * A workspace's events after `after`, in feed order. On PostgreSQL only events of transactions older
 * than every transaction still in progress that may write events here are returned (feedBound), so
 * an event can never appear behind a cursor a client already holds.
 */
export async function readFeed(
  store: Store,
  workspaceId: string,
  after: FeedCursor,
  filter: FeedFilter,
  limit: number,
): Promise<FeedPage> {
  // Taken once, before both queries below: had each query taken its own, transactions committing in
  // between could move the bound past events the first query held back, and the second would then
  // call the feed settled although those events were never returned.
  const settledBelow = await store.dialect.events.feedBound(store.db, workspaceId);
  const rows = await feedRows(store, workspaceId, after, filter, limit, settledBelow);
  const events = rows.map(toEvent);
  const last = rows.at(-1);
  const next = last === undefined ? after : rowPosition(last);
  let unsettled = false;
  if (settledBelow !== undefined && rows.length < limit) {
    // Did the snapshot hold back newer events? Then the reader should look again shortly.
    const pending = await store.db
      .selectFrom('job_events')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('tx', '>=', settledBelow)
      .limit(1)
      .execute();
    unsettled = pending.length > 0;
  }
  return { events, next, unsettled };
}

// Batch rows are expanded here, so a page can end inside a batch (the cursor's k). Their jobs that
// retention expired or that were deleted are left out, as their own rows would have been.
async function feedRows(
  store: Store,
  workspaceId: string,
  after: FeedCursor,
  filter: FeedFilter,
  limit: number,
  settledBelow: number | undefined,
): Promise<EventRow[]> {
  const x = store.dialect.events.expansion;
  const names = filter.names === undefined ? sql`` : sql`AND ${store.dialect.oneOf(sql`e.name`, filter.names, 'text')}`;
  const { rows } = await sql<EventRow>`
    SELECT ${x.columns}
    FROM ${x.from}
    WHERE e.workspace_id = ${workspaceId} AND ${pastCursor(x, x.k, after)}
      ${settledBelow !== undefined ? sql`AND e.tx < ${settledBelow}` : sql``}
      ${filter.projectId !== undefined ? sql`AND e.project_id = ${filter.projectId}` : sql``}
      ${filter.jobType !== undefined ? sql`AND e.job_type = ${filter.jobType}` : sql``}
      ${names}
      -- A scalar subquery, looked up by key per job: PostgreSQL may turn EXISTS into a hash of every job.
      AND (e.job_ids IS NULL OR (SELECT j.expired_at IS NULL FROM jobs j WHERE j.id = ${x.jobId}))
    ORDER BY e.tx, e.id, k
    LIMIT ${limit}`.execute(store.db);
  return rows;
}

export interface NewEvent {
  jobId: string;
  name: string;
  data: Record<string, unknown>;
  actor: string | null;
  at: number;
}

/**
 * Appends an event the triggers cannot derive from a row change (e.g. an action by a provider). Run
 * it in the transaction of the change it records.
 */
export async function appendEvent(db: Executor, store: Store, e: NewEvent): Promise<void> {
  await store.dialect.events.append(db, e);
}

/** The latest event of a job (its seq tells a stream where the job stands). */
export async function lastJobEvent(store: Store, jobId: string): Promise<JobEvent | undefined> {
  return (await jobEventRows(store, jobId, 0, 'desc', 1)).map(toEvent)[0];
}
