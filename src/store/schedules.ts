import type { Selectable } from 'kysely';
import type { JobTemplate, MissedRuns, Schedule } from '../core/schedule.js';
import { parseJson, type SchedulesTable } from './schema.js';
import type { Executor } from './store.js';

type ScheduleRow = Selectable<SchedulesTable>;

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toSchedule(r: ScheduleRow): Schedule {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    cron: r.cron,
    intervalMs: num(r.interval_ms),
    timeZone: r.time_zone,
    job: parseJson(r.job) as JobTemplate,
    missedRuns: r.missed_runs as MissedRuns,
    paused: Number(r.paused) === 1,
    nextRunAt: num(r.next_run_at),
    lastRunAt: num(r.last_run_at),
    lastJobId: r.last_job_id,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}

/** What a schedule is made of: its definition and where it stands. */
export type ScheduleFields = Pick<
  Schedule,
  'name' | 'cron' | 'intervalMs' | 'timeZone' | 'job' | 'missedRuns' | 'paused' | 'nextRunAt'
>;

/** ScheduleFields as the columns of a schedules row. */
function fieldColumns(s: ScheduleFields) {
  return {
    name: s.name,
    cron: s.cron,
    interval_ms: s.intervalMs,
    time_zone: s.timeZone,
    job: JSON.stringify(s.job),
    missed_runs: s.missedRuns,
    paused: s.paused ? 1 : 0,
    next_run_at: s.nextRunAt,
  };
}

export async function insertSchedule(
  db: Executor,
  s: ScheduleFields & { id: string; workspaceId: string; now: number },
): Promise<Schedule> {
  const row = await db
    .insertInto('schedules')
    .values({
      id: s.id,
      workspace_id: s.workspaceId,
      ...fieldColumns(s),
      last_run_at: null,
      last_job_id: null,
      last_error: null,
      created_at: s.now,
      updated_at: s.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSchedule(row);
}

export async function findSchedule(db: Executor, workspaceId: string, id: string): Promise<Schedule | undefined> {
  const row = await db
    .selectFrom('schedules')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row === undefined ? undefined : toSchedule(row);
}

/** A workspace's schedules, newest first, after the id `beforeId` (keyset paging). */
export async function listSchedulesAfter(
  db: Executor,
  workspaceId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<{ schedules: Schedule[]; more: boolean }> {
  let q = db.selectFrom('schedules').selectAll().where('workspace_id', '=', workspaceId);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { schedules: rows.slice(0, limit).map(toSchedule), more: rows.length > limit };
}

export async function listSchedulesPage(
  db: Executor,
  workspaceId: string,
  offset: number,
  limit: number,
): Promise<{ schedules: Schedule[]; total: number }> {
  const base = db.selectFrom('schedules').where('workspace_id', '=', workspaceId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { schedules: rows.map(toSchedule), total: Number(count.n) };
}

/** Changes a schedule's definition (and with it its next time); returns it, or undefined when it is gone. */
export async function updateSchedule(
  db: Executor,
  workspaceId: string,
  id: string,
  s: ScheduleFields & { now: number },
): Promise<Schedule | undefined> {
  const row = await db
    .updateTable('schedules')
    .set((eb) => ({
      ...fieldColumns(s),
      updated_at: s.now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toSchedule(row);
}

export async function deleteSchedule(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('schedules')
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Active schedules of every workspace due by `until`, earliest first. */
export async function dueSchedules(db: Executor, until: number, limit: number): Promise<Schedule[]> {
  const rows = await db
    .selectFrom('schedules')
    .selectAll()
    .where('next_run_at', 'is not', null)
    .where('next_run_at', '<=', until)
    .orderBy('next_run_at')
    .limit(limit)
    .execute();
  return rows.map(toSchedule);
}

/**
 * Moves a due schedule on to its next time, as the caller's transaction's first write: only if it is
 * still at the version the caller read (no other process ran it, no one changed it since). Returns
 * whether it did.
 */
export async function advanceSchedule(
  db: Executor,
  s: Schedule,
  change: { nextRunAt: number | null; lastRunAt?: number; lastError: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('schedules')
    .set((eb) => ({
      next_run_at: change.nextRunAt,
      ...(change.lastRunAt !== undefined ? { last_run_at: change.lastRunAt } : {}),
      last_error: change.lastError,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', s.id)
    .where('version', '=', s.version)
    .where('paused', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records the job created for a scheduled time; false when that time already has one (the key
 * (schedule_id, scheduled_at) holds across processes). Also names it the schedule's last job.
 */
export async function recordScheduleRun(
  db: Executor,
  scheduleId: string,
  scheduledAt: number,
  jobId: string,
  now: number,
): Promise<boolean> {
  const row = await db
    .insertInto('schedule_runs')
    .values({ schedule_id: scheduleId, scheduled_at: scheduledAt, job_id: jobId, created_at: now })
    .onConflict((oc) => oc.columns(['schedule_id', 'scheduled_at']).doNothing())
    .returning('job_id')
    .executeTakeFirst();
  if (row === undefined) return false;
  await db.updateTable('schedules').set({ last_job_id: jobId }).where('id', '=', scheduleId).execute();
  return true;
}

/**
 * Forgets up to `limit` runs scheduled before `before`. A run's row only has to outlive the chance of
 * a process trying its time again, and a process moves a schedule on only from the version it read
 * (services/schedule-runner.ts), so an old time cannot come back once the schedule moved past it.
 */
export async function expireScheduleRuns(db: Executor, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('schedule_runs')
    .where((eb) =>
      eb(
        eb.refTuple('schedule_id', 'scheduled_at'),
        'in',
        eb
          .selectFrom('schedule_runs')
          .select(['schedule_id', 'scheduled_at'])
          .where('scheduled_at', '<', before)
          .limit(limit)
          .$asTuple('schedule_id', 'scheduled_at'),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
