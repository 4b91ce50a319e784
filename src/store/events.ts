import { sql } from 'kysely';
import type { JobEvent } from '../core/events.js';
import type { Executor, Store } from './store.js';

// Reading the event log. Events are written by the triggers of migration 0005 (and appendEvent for
// changes the triggers cannot see, such as a provider's action), in the transaction of the change.

/** A job_events row as either database returns it. */
export interface EventRow {
  id: number;
  tx: number;
  workspace_id: string;
  job_id: string;
  project_id: string | null;
  job_type: string;
  seq: number;
  name: string;
  data: unknown;
  actor: string | null;
  created_at: number;
}

/** The feed's position: (transaction, id), see the PostgreSQL migration for why not the id alone. */
export interface FeedCursor {
  tx: number;
  id: number;
}

export const FEED_START: FeedCursor = { tx: 0, id: 0 };

export function encodeCursor(c: FeedCursor): string {
  return `${c.tx}-${c.id}`;
}

/** undefined when the text is not a cursor this service handed out. */
export function decodeCursor(text: string): FeedCursor | undefined {
  const m = /^(\d{1,19})-(\d{1,19})$/.exec(text);
  if (m === null) return undefined;
  const cursor = { tx: Number(m[1]), id: Number(m[2]) };
  return Number.isSafeInteger(cursor.tx) && Number.isSafeInteger(cursor.id) ? cursor : undefined;
}

export function toEvent(r: EventRow): JobEvent {
  return {
    cursor: encodeCursor({ tx: Number(r.tx), id: Number(r.id) }),
    jobId: r.job_id,
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

/** A job's events after `afterSeq`, oldest first. */
export async function listJobEvents(db: Executor, jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
  const rows = await db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map((r) => toEvent(r));
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
 * than every transaction still in progress are returned, so an event can never appear behind a
 * cursor a client already holds.
 */
export async function readFeed(store: Store, workspaceId: string, after: FeedCursor, filter: FeedFilter, limit: number): Promise<FeedPage> {
  // Taken once, before both queries below: had each query taken its own, transactions committing in
  // between could move the bound past events the first query held back, and the second would then
  // call the feed settled although those events were never returned.
  let settledBelow: number | undefined;
  if (store.capabilities.dialect === 'postgres') {
    const { rows: bound } = await sql<{ xmin: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(store.db);
    settledBelow = Number(bound[0]!.xmin);
  }
  let q = store.db
    .selectFrom('job_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('tx', '>', after.tx), eb.and([eb('tx', '=', after.tx), eb('id', '>', after.id)])]));
  if (settledBelow !== undefined) q = q.where('tx', '<', settledBelow);
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
  if (filter.jobType !== undefined) q = q.where('job_type', '=', filter.jobType);
  if (filter.names !== undefined) q = q.where('name', 'in', filter.names.length > 0 ? filter.names : ['']);
  const rows = (await q.orderBy('tx').orderBy('id').limit(limit).execute()) as EventRow[];
  const events = rows.map(toEvent);
  let next = after;
  const last = rows.at(-1);
  if (last !== undefined) next = { tx: Number(last.tx), id: Number(last.id) };
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
    await sql`SELECT jobline_append_event(${e.jobId}::uuid, ${e.name}, ${data}::jsonb, ${e.actor}, ${e.at}::bigint)`.execute(db);
    return;
  }
  const { rows } = await sql<{ workspace_id: string }>`
    INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
    SELECT j.workspace_id, j.id, j.project_id, j.type,
      COALESCE((SELECT max(seq) FROM job_events WHERE job_id = j.id), 0) + 1, ${e.name}, ${data}, ${e.actor}, ${e.at}
    FROM jobs j WHERE j.id = ${e.jobId}
    RETURNING workspace_id`.execute(db);
  // SQLite's triggers announce the events they append (migration 0021); this one is appended here.
  for (const row of rows) store.sqliteEvents.emit('event', e.jobId, row.workspace_id);
}

/** The latest event of a job (its seq tells a stream where the job stands). */
export async function lastJobEvent(db: Executor, jobId: string): Promise<JobEvent | undefined> {
  const row = await db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : toEvent(row);
}
