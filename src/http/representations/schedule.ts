import { toIso } from '../../core/clock.js';
import type { Schedule } from '../../core/schedule.js';

export function scheduleRepresentation(s: Schedule) {
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    interval_seconds: s.intervalMs === null ? null : s.intervalMs / 1000,
    time_zone: s.timeZone,
    job: s.job,
    missed_runs: s.missedRuns,
    paused: s.paused,
    next_run_at: toIso(s.nextRunAt),
    last_run_at: toIso(s.lastRunAt),
    last_job_id: s.lastJobId,
    last_error: s.lastError,
    created_at: toIso(s.createdAt)!,
    updated_at: toIso(s.updatedAt)!,
  };
}
