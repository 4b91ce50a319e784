import { sql } from 'kysely';
import { FEED_START, type FeedCursor } from './events.js';
import type { Executor, Store } from './store.js';

// Everything here is bounded by indexes: counts by status walk jobs_list_status (workspace_id, status, id);
// finished jobs come from jobs_finished (completed_at, partial on finished and unexpired rows); the queue's
// history needs only the jobs still open (jobs_list_status again) and those finished inside the window.

/**
 * The window's numbers go into the SQL as literals, not parameters: PostgreSQL matches a GROUP BY
 * expression to the selected one by its text, and `$1` in one place and `$5` in the other differ.
 */
function literals(since: number, bucketMs: number) {
  if (!Number.isSafeInteger(since) || !Number.isSafeInteger(bucketMs) || bucketMs <= 0)
    throw new Error('stats window must be whole milliseconds');
  return { s: sql.lit(since), b: sql.lit(bucketMs) };
}

export interface StatsFilter {
  workspaceId: string;
  projectId?: string | undefined;
  type?: string | undefined;
}

/** Jobs per status now. */
export async function countByStatus(db: Executor, f: StatsFilter): Promise<Record<string, number>> {
  let q = db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', f.workspaceId)
    .where('expired_at', 'is', null);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  const rows = await q.groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export interface FinishedBucket {
  type: string;
  status: 'succeeded' | 'failed';
  /** Minute since `since`: 0 for [since, since + 1 min). */
  minute: number;
  n: number;
}

/** Jobs that succeeded or failed from `since` on, per type and minute. */
export async function finishedPerMinute(
  db: Executor,
  f: StatsFilter,
  since: number,
  bucketMs: number,
): Promise<FinishedBucket[]> {
  // Integer division truncates on both databases; completed_at >= since keeps the operand non-negative.
  const { s, b } = literals(since, bucketMs);
  const minute = sql<number>`(completed_at - ${s}) / ${b}`;
  let q = db
    .selectFrom('jobs')
    .select(['type', 'status', minute.as('minute'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', f.workspaceId)
    .where('completed_at', 'is not', null)
    .where('expired_at', 'is', null)
    .where('completed_at', '>=', since)
    .where('status', 'in', ['succeeded', 'failed']);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  const rows = await q.groupBy(['type', 'status', minute]).execute();
  return rows.map((r) => ({
    type: r.type,
    status: r.status as 'succeeded' | 'failed',
    minute: Number(r.minute),
    n: Number(r.n),
  }));
}

export interface WaitSpan {
  type: string;
  /** Minute the job started waiting (-1: before the window). */
  from: number;
  /** Minute it stopped waiting (started or finished), or null while it still waits. */
  to: number | null;
  n: number;
}

/**
 * How long jobs waited in the queue, grouped by type and by the minutes their wait began and ended:
 * a job waits from its creation until its (latest) start, or until it finished without starting
 * (cancelled while pending). A job pending now waits still, even when an earlier attempt ran.
 * Only jobs still open or finished inside the window can have waited inside it.
 */
export async function waitSpans(db: Executor, f: StatsFilter, since: number, bucketMs: number): Promise<WaitSpan[]> {
  const { s, b } = literals(since, bucketMs);
  const from = sql<number>`CASE WHEN created_at < ${s} THEN -1 ELSE (created_at - ${s}) / ${b} END`;
  const end = sql<number | null>`CASE WHEN status = 'pending' THEN NULL ELSE COALESCE(started_at, completed_at) END`;
  const to = sql<
    number | null
  >`CASE WHEN ${end} IS NULL THEN NULL WHEN ${end} < ${s} THEN -1 ELSE (${end} - ${s}) / ${b} END`;
  let q = db
    .selectFrom('jobs')
    .select(['type', from.as('from_minute'), to.as('to_minute'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', f.workspaceId)
    .where('expired_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['pending', 'running', 'cancelling', 'delivered']),
        eb.and([eb('completed_at', 'is not', null), eb('completed_at', '>=', since)]),
      ]),
    );
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  const rows = await q.groupBy(['type', from, to]).execute();
  return rows.map((r) => ({
    type: r.type,
    from: Number(r.from_minute),
    to: r.to_minute === null ? null : Number(r.to_minute),
    n: Number(r.n),
  }));
}

/**
 * The workspace feed's newest settled position (see readFeed in events.ts): a client that follows
 * GET /v1/events from here misses nothing that happens after this read and replays nothing before it.
 */
export async function feedHead(store: Store, workspaceId: string): Promise<FeedCursor> {
  // A batch row (the created, running or succeeded events of one statement) ends at its last job.
  const { rows } = await sql<{ tx: string | number; id: string | number; k: number }>`
    SELECT e.tx, e.id, ${store.dialect.events.expansion.lastK} AS k FROM job_events e
    WHERE e.workspace_id = ${workspaceId} ${store.dialect.events.settled}
    ORDER BY e.tx DESC, e.id DESC LIMIT 1`.execute(store.db);
  const last = rows[0];
  return last === undefined ? FEED_START : { tx: Number(last.tx), id: Number(last.id), k: Number(last.k) };
}
