import type { Principal } from '../core/auth.js';
import { notFound, validationFailed, type FieldError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { JobTemplate, MissedRuns, Schedule } from '../core/schedule.js';
import { findProject } from '../store/projects.js';
import * as store from '../store/schedules.js';
import type { Services } from './context.js';
import { cronProblem, isTimeZone, timeAfter } from './schedule-times.js';

/** A schedule as created, or the fields a change names (undefined: unchanged; null for cron/interval: cleared). */
export interface ScheduleInput {
  name?: string | null | undefined;
  cron?: string | null | undefined;
  intervalSeconds?: number | null | undefined;
  timeZone?: string | undefined;
  job?: JobTemplate | undefined;
  missedRuns?: MissedRuns | undefined;
  paused?: boolean | undefined;
}

export async function createSchedule(
  services: Services,
  principal: Principal,
  input: ScheduleInput,
): Promise<Schedule> {
  if (input.job === undefined) throw validationFailed([{ pointer: '#/job', detail: 'is required' }]);
  const fields = await checked(services, principal, {
    name: input.name ?? null,
    cron: input.cron ?? null,
    intervalMs: input.intervalSeconds == null ? null : input.intervalSeconds * 1000,
    timeZone: input.timeZone ?? 'UTC',
    job: input.job,
    missedRuns: input.missedRuns ?? 'skip',
    paused: input.paused ?? false,
  });
  const now = services.clock.now();
  return store.insertSchedule(services.store.db, {
    ...fields,
    nextRunAt: fields.paused ? null : timeAfter(fields, now),
    id: uuidv7(now),
    workspaceId: principal.workspaceId,
    now,
  });
}

export async function getSchedule(services: Services, principal: Principal, id: string): Promise<Schedule> {
  const schedule = await store.findSchedule(services.store.db, principal.workspaceId, id);
  if (schedule === undefined) throw notFound('schedule', id);
  return schedule;
}

export async function listSchedules(
  services: Services,
  principal: Principal,
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ schedules: Schedule[]; nextPageToken: string | undefined }> {
  const scope = { schedules: principal.workspaceId };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  const result = await store.listSchedulesAfter(services.store.db, principal.workspaceId, after, page.pageSize);
  const last = result.schedules.at(-1);
  return {
    schedules: result.schedules,
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function listSchedulesByPage(
  services: Services,
  principal: Principal,
  page: { page: number; perPage: number },
): Promise<{ schedules: Schedule[]; total: number }> {
  return store.listSchedulesPage(
    services.store.db,
    principal.workspaceId,
    (page.page - 1) * page.perPage,
    page.perPage,
  );
}

/**
 * Changes a schedule. A change of its times (cron, interval, time zone) or a resume computes the next
 * time from now; runs that fell due while it was paused are not made up for.
 */
export async function updateSchedule(
  services: Services,
  principal: Principal,
  id: string,
  change: ScheduleInput,
): Promise<Schedule> {
  const current = await getSchedule(services, principal, id);
  // Naming one of cron and interval replaces the other.
  const cron = change.cron !== undefined ? change.cron : change.intervalSeconds != null ? null : current.cron;
  const intervalMs =
    change.intervalSeconds !== undefined
      ? change.intervalSeconds === null
        ? null
        : change.intervalSeconds * 1000
      : change.cron != null
        ? null
        : current.intervalMs;
  const fields = await checked(services, principal, {
    name: change.name !== undefined ? change.name : current.name,
    cron,
    intervalMs,
    timeZone: change.timeZone ?? current.timeZone,
    job: change.job ?? current.job,
    missedRuns: change.missedRuns ?? current.missedRuns,
    paused: change.paused ?? current.paused,
  });
  const now = services.clock.now();
  const retimed =
    fields.cron !== current.cron || fields.intervalMs !== current.intervalMs || fields.timeZone !== current.timeZone;
  const nextRunAt = fields.paused
    ? null
    : retimed || current.paused || current.nextRunAt === null
      ? timeAfter(fields, now)
      : current.nextRunAt;
  const updated = await store.updateSchedule(services.store.db, principal.workspaceId, id, {
    ...fields,
    nextRunAt,
    now,
  });
  if (updated === undefined) throw notFound('schedule', id);
  return updated;
}

export async function deleteSchedule(services: Services, principal: Principal, id: string): Promise<void> {
  if (!(await store.deleteSchedule(services.store.db, principal.workspaceId, id))) throw notFound('schedule', id);
}

type Definition = Omit<store.ScheduleFields, 'nextRunAt'>;

/** The definition, once every field is valid (a 422 naming each field that is not). */
async function checked(services: Services, principal: Principal, d: Definition): Promise<Definition> {
  const problems: FieldError[] = [];
  const timeZoneKnown = isTimeZone(d.timeZone);
  if (!timeZoneKnown)
    problems.push({
      pointer: '#/time_zone',
      detail: `${JSON.stringify(d.timeZone)} is not an IANA time zone (for instance "Europe/Berlin" or "UTC")`,
    });
  if (d.cron === null && d.intervalMs === null)
    problems.push({ pointer: '#/cron', detail: 'a schedule needs either cron or interval_seconds' });
  if (d.cron !== null && d.intervalMs !== null)
    problems.push({
      pointer: '#/interval_seconds',
      detail: 'a schedule has either cron or interval_seconds, not both',
    });
  if (d.cron !== null) {
    const problem = cronProblem(d.cron, timeZoneKnown ? d.timeZone : 'UTC');
    if (problem !== undefined) problems.push({ pointer: '#/cron', detail: problem });
  }
  problems.push(...services.registry.validateInput(d.job.type, d.job.input ?? {}, '#/job/input'));
  if (d.job.project_id !== undefined) {
    const project = await findProject(services.store.db, principal.workspaceId, d.job.project_id);
    if (project === undefined)
      problems.push({
        pointer: '#/job/project_id',
        detail: `no project with id ${JSON.stringify(d.job.project_id)} exists in this workspace`,
      });
  }
  if (problems.length > 0) throw validationFailed(problems);
  return d;
}
