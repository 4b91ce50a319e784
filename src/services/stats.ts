import type { Principal } from '../core/auth.js';
import { JOB_STATUSES, type JobStatus } from '../core/lifecycle.js';
import { encodeCursor } from '../store/events.js';
import * as stats from '../store/stats.js';
import type { Services } from './context.js';

export const STATS_MINUTES = 60;
const MINUTE = 60_000;

export interface TypeSeries {
  type: string;
  /** Per minute, oldest first: jobs that succeeded, jobs that failed. */
  succeeded: number[];
  failed: number[];
  /** Jobs waiting in the queue at the end of each minute (the last one: now). */
  queueDepth: number[];
}

export interface Stats {
  /** The window: whole minutes, the last one being the current minute. */
  since: number;
  until: number;
  counts: Record<JobStatus, number>;
  types: TypeSeries[];
  /** The workspace feed's position before these numbers were read: following it from here keeps them current. */
  eventsCursor: string;
}

/** Counts per status now, and per job type the last hour minute by minute. */
export async function workspaceStats(
  services: Services,
  principal: Principal,
  filter: { projectId?: string | undefined; type?: string | undefined },
): Promise<Stats> {
  const until = Math.floor(services.clock.now() / MINUTE) * MINUTE + MINUTE;
  const since = until - STATS_MINUTES * MINUTE;
  const f = { workspaceId: principal.workspaceId, ...filter };
  const db = services.store.db;
  // Read first: an event between this and the counts is then replayed rather than lost.
  const head = await stats.feedHead(services.store, principal.workspaceId);
  const [counted, finished, spans] = await Promise.all([
    stats.countByStatus(db, f),
    stats.finishedPerMinute(db, f, since, MINUTE),
    stats.waitSpans(db, f, since, MINUTE),
  ]);

  const series = new Map<string, TypeSeries>();
  const of = (type: string): TypeSeries => {
    let s = series.get(type);
    if (s === undefined) {
      const zeros = () => new Array<number>(STATS_MINUTES).fill(0);
      s = { type, succeeded: zeros(), failed: zeros(), queueDepth: zeros() };
      series.set(type, s);
    }
    return s;
  };
  for (const b of finished) if (b.minute >= 0 && b.minute < STATS_MINUTES) of(b.type)[b.status][b.minute]! += b.n;
  for (const span of spans) {
    // Waiting at the end of minute m: began in m or before, had not ended by the end of m.
    const last = span.to === null ? STATS_MINUTES - 1 : Math.min(span.to - 1, STATS_MINUTES - 1);
    if (last < Math.max(span.from, 0)) continue;
    const s = of(span.type);
    for (let m = Math.max(span.from, 0); m <= last; m++) s.queueDepth[m]! += span.n;
  }
  const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, counted[status] ?? 0])) as Record<
    JobStatus,
    number
  >;
  return {
    since,
    until,
    counts,
    eventsCursor: encodeCursor(head),
    types: [...series.values()].sort((a, b) => a.type.localeCompare(b.type)),
  };
}
