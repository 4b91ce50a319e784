import { sql, type RawBuilder } from 'kysely';
import type { JobEvent } from '../core/events.js';
import { pgArray } from './pg-arrays.js';
import { feedBound } from './settled-events.js';
import type { Executor, Store } from './store.js';

// Reading the event log. Events are written by the triggers of migration 0005 (and appendEvent for
// changes the triggers cannot see, such as a provider's action), in the transaction of the change.

/** A job_events row as either database returns it, a batched created event expanded (k > 0 for its later jobs). */
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
 * and k, the job's index within a batched created event (migration 0024; 0 for every other row).
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

// PostgreSQL (migration 0024): the batched created event of the job `j`. Found through the partial
// index on created_at: a batch row's created_at is its jobs' own.
export const CREATED_BATCH_OF_JOB = sql`e.job_id IS NULL AND e.created_at = j.created_at AND e.workspace_id = j.workspace_id AND j.id = ANY(e.job_ids)`;

/**
 * An event row with a batch row expanded into one row per job (PostgreSQL's batched created events,
 * its migration 0024; SQLite's batched status events, its migration 0025), as `e` joined to `u`, one
 * row per element of e.job_ids (one row of NULLs for a row of one event).
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

/** The columns of an expanded row, its k given by the dialect. */
const expandedColumns = (k: RawBuilder<number>, jobId: RawBuilder<unknown>) =>
  sql`e.id, e.tx, ${k} AS k, e.workspace_id, COALESCE(e.job_id, ${jobId}) AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at`;

const POSTGRES_K = sql<number>`COALESCE(u.n - 1, 0)`;
const POSTGRES_EXPANSION: Expansion = {
  from: sql`job_events e LEFT JOIN LATERAL unnest(e.job_ids) WITH ORDINALITY AS u(job_id, n) ON true`,
  columns: expandedColumns(POSTGRES_K, sql`u.job_id`),
  jobId: sql`u.job_id`,
  k: POSTGRES_K,
  lastK: sql<number>`COALESCE(cardinality(e.job_ids), 1) - 1`,
  rowsFrom: (c) => sql`(e.tx, e.id) >= (${c.tx}::bigint, ${c.id}::bigint)`,
};

// json_each over NULL yields no row, so the LEFT JOIN keeps a row of one event as it is. Every tx is 0
// on SQLite (migration 0019): an equality on it lets the id's range use the feed index and the rowid.
const SQLITE_K = sql<number>`COALESCE(u.key, 0)`;
const SQLITE_EXPANSION: Expansion = {
  from: sql`job_events e LEFT JOIN json_each(e.job_ids) AS u`,
  columns: expandedColumns(SQLITE_K, sql`u.value`),
  jobId: sql`u.value`,
  k: SQLITE_K,
  lastK: sql<number>`COALESCE(json_array_length(e.job_ids), 1) - 1`,
  rowsFrom: (c) => sql`e.tx = ${c.tx} AND e.id >= ${c.id}`,
};

/**
 * Past `c` in (tx, id, k) order, where `k` is an expanded event's (Expansion.k: events after the
 * cursor) or a row's last (Expansion.lastK: rows holding any event after it).
 */
export function pastCursor(x: Expansion, k: RawBuilder<number>, c: FeedCursor): RawBuilder<unknown> {
  return sql`${x.rowsFrom(c)} AND (e.tx, e.id, ${k}) > (${c.tx}, ${c.id}, ${c.k})`;
}

export function expansion(store: Store): Expansion {
  return store.capabilities.dialect === 'postgres' ? POSTGRES_EXPANSION : SQLITE_EXPANSION;
}

/**
 * SQLite (migration 0025): the batch rows holding events of the job `j`, as `e` joined to `u` (the
 * job's place in the batch). Found through the partial index on created_at by the times such events
 * have: a claim's (jobs.claim_times) and the completion's (completed_at). Named, because the planner
 * otherwise took the (job_id, seq) key for "job_id IS NULL" and read every batch row.
 */
export const SQLITE_BATCHES_OF_JOB = sql`job_events e INDEXED BY job_events_batches ON e.job_id IS NULL AND e.workspace_id = j.workspace_id
    AND e.created_at IN (SELECT value FROM json_each('[' || COALESCE(j.claim_times, '') || ']') UNION ALL SELECT j.completed_at)
  JOIN json_each(e.job_ids) AS u ON u.value = j.id`;

/** A job's events after `afterSeq`, oldest first. */
export async function listJobEvents(store: Store, jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
  return (await jobEventRows(store, jobId, afterSeq, 'asc', limit)).map(toEvent);
}

function jobEventRows(
  store: Store,
  jobId: string,
  afterSeq: number,
  order: 'asc' | 'desc',
  limit: number,
): Promise<EventRow[]> {
  return (store.capabilities.dialect === 'postgres' ? jobEventsPostgres : jobEventsSqlite)(
    store.db,
    jobId,
    afterSeq,
    order,
    limit,
  );
}

// SQLite: a job's own rows, and the batch rows holding its status events (migration 0025).
async function jobEventsSqlite(
  db: Executor,
  jobId: string,
  afterSeq: number,
  order: 'asc' | 'desc',
  limit: number,
): Promise<EventRow[]> {
  const { rows } = await sql<EventRow>`
    SELECT e.id, e.tx, 0 AS k, e.workspace_id, e.job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM job_events e WHERE e.job_id = ${jobId} AND e.seq > ${afterSeq}
    UNION ALL
    SELECT e.id, e.tx, u.key AS k, e.workspace_id, j.id AS job_id, e.project_id, e.job_type, e.seq, e.name, e.data, e.actor, e.created_at
    FROM jobs j JOIN ${SQLITE_BATCHES_OF_JOB}
    WHERE j.id = ${jobId} AND j.expired_at IS NULL AND e.seq > ${afterSeq}
    ORDER BY seq ${order === 'asc' ? sql`ASC` : sql`DESC`} LIMIT ${limit}`.execute(db);
  return rows;
}

// A job's own rows, and its batched created event when the timeline starts before it.
async function jobEventsPostgres(
  db: Executor,
  jobId: string,
  afterSeq: number,
  order: 'asc' | 'desc',
  limit: number,
): Promise<EventRow[]> {
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
  let settledBelow: number | undefined;
  if (store.capabilities.dialect === 'postgres') {
    settledBelow = await feedBound(store.db, workspaceId);
  }
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
  const x = expansion(store);
  const names =
    filter.names === undefined
      ? sql``
      : store.capabilities.dialect === 'postgres'
        ? sql`AND e.name = ANY(${pgArray(filter.names)}::text[])`
        : sql`AND e.name IN (SELECT value FROM json_each(${JSON.stringify(filter.names)}))`;
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
  const data = JSON.stringify(e.data);
  if (store.capabilities.dialect === 'postgres') {
    await sql`SELECT jobline_append_event(${e.jobId}::uuid, ${e.name}, ${data}::jsonb, ${e.actor}, ${e.at}::bigint)`.execute(
      db,
    );
    return;
  }
  // The job's event counter gives the seq (migration 0025: max(seq) would not see batch rows).
  await sql`UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ${e.jobId}`.execute(db);
  const { rows } = await sql<{ workspace_id: string }>`
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT j.workspace_id, j.id, j.project_id, j.type, j.event_seq, ${e.name}, ${data}, ${e.actor}, ${e.at}
    FROM jobs j WHERE j.id = ${e.jobId}
    RETURNING workspace_id`.execute(db);
  // SQLite's triggers announce the events they append (migration 0021); this one is appended here.
  for (const row of rows) store.sqliteEvents.emit('event', e.jobId, row.workspace_id);
}

/** The latest event of a job (its seq tells a stream where the job stands). */
export async function lastJobEvent(store: Store, jobId: string): Promise<JobEvent | undefined> {
  return (await jobEventRows(store, jobId, 0, 'desc', 1)).map(toEvent)[0];
}
