import { AppError } from '../core/errors.js';
import type { Schedule } from '../core/schedule.js';
import type { Logger } from 'pino';
import { advanceSchedule, dueSchedules, recordScheduleRun } from '../store/schedules.js';
import type { Services } from './context.js';
import { createJob } from './job-creation.js';
import { latestTime, timeAfter } from './schedule-times.js';

// Every process that runs workers runs schedules too. Any number of them may find the same schedule
// due: each moves it on only if it is still at the version it read, in the transaction that creates
// the job, and the key (schedule_id, scheduled_at) of schedule_runs refuses a second job for a time,
// so each time makes exactly one job whichever process gets there first.

/** A due time this much past, when a process looks, was missed (no process was up): see `missed_runs`. */
export const LATE_MS = 60_000;

export interface ScheduleRunnerOptions {
  /** How often to look for due schedules when none is due sooner (ms). */
  pollMs?: number;
  /** How many due schedules one look takes. */
  batch?: number;
  logger?: Pick<Logger, 'warn'> | undefined;
}

class AlreadyRun extends Error {}

export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly pollMs: number;
  private readonly batch: number;

  constructor(
    private readonly services: Services,
    private readonly options: ScheduleRunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 100;
  }

  start(): void {
    this.stopped = false;
    this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private loop(): void {
    if (this.stopped) return;
    this.running = this.tick()
      .catch((error: unknown) => {
        this.options.logger?.warn({ err: error }, 'running schedules failed');
        return this.pollMs;
      })
      .then((wait) => {
        if (!this.stopped) this.timer = setTimeout(() => this.loop(), wait);
      });
  }

  /**
   * Creates the jobs of every schedule due now (by the services' clock). Returns how long to wait
   * before the next look: until the earliest schedule due within the poll interval, or the interval.
   */
  async tick(): Promise<number> {
    const now = this.services.clock.now();
    const due = await dueSchedules(this.services.store.db, now + this.pollMs, this.batch);
    let wait = this.pollMs;
    for (const schedule of due) {
      if (schedule.nextRunAt! > now) {
        wait = Math.min(wait, schedule.nextRunAt! - now);
        continue;
      }
      await this.run(schedule, now);
    }
    // A full batch of due schedules: look again at once for the rest.
    return due.length === this.batch ? 0 : wait;
  }

  /** Creates the job of a due schedule (unless its time was missed and is skipped) and moves it on. */
  private async run(s: Schedule, now: number): Promise<void> {
    const services = this.services;
    const at = latestTime(s, now, s.nextRunAt!);
    const nextRunAt = timeAfter(s, now, s.intervalMs !== null ? at : undefined);
    const missed = now - at > LATE_MS;
    if (missed && s.missedRuns === 'skip') {
      await advanceSchedule(services.store.db, s, { nextRunAt, lastError: s.lastError });
      return;
    }
    const principal = { tokenId: `schedule:${s.id}`, workspaceId: s.workspaceId, scopes: ['jobs:write' as const] };
    const t = s.job;
    try {
      await services.store.transaction(async (trx) => {
        if (!(await advanceSchedule(trx, s, { nextRunAt, lastRunAt: at, lastError: null }))) throw new AlreadyRun();
        const job = await createJob(
          services,
          principal,
          {
            type: t.type,
            name: t.name,
            input: t.input,
            projectId: t.project_id,
            priority: t.priority,
            maxAttempts: t.max_attempts,
            timeoutMs: t.timeout_ms,
            runAt: at,
            scheduleId: s.id,
          },
          trx,
        );
        if (!(await recordScheduleRun(trx, s.id, at, job.id, now))) throw new AlreadyRun();
      });
    } catch (error) {
      if (error instanceof AlreadyRun) return;
      if (!(error instanceof AppError)) throw error;
      // The template no longer makes a valid job (its project was deleted, its type's input changed):
      // the time passes without a job, and the schedule says why.
      await advanceSchedule(services.store.db, s, { nextRunAt, lastError: error.message });
      return;
    }
    services.wakeups.jobsAdded();
  }
}
