// A schedule creates jobs from a template at the times of a cron expression (read in a time zone)
// or every interval (services/schedules.ts and services/schedule-runner.ts).

/** What to do with runs that fell due while no process was up: skip them, or run the latest once. */
export const MISSED_RUNS = ['skip', 'run_once'] as const;
export type MissedRuns = (typeof MISSED_RUNS)[number];

/** The job a schedule creates at each of its times, as POST /v1/jobs names its fields. */
export interface JobTemplate {
  type: string;
  name?: string | undefined;
  input?: Record<string, unknown> | undefined;
  project_id?: string | undefined;
  priority?: number | undefined;
  max_attempts?: number | undefined;
  timeout_ms?: number | undefined;
}

export interface Schedule {
  id: string;
  workspaceId: string;
  name: string | null;
  /** A cron expression of 5 fields, or 6 with seconds first; null for an interval. */
  cron: string | null;
  intervalMs: number | null;
  /** The IANA time zone the cron expression is read in. */
  timeZone: string;
  job: JobTemplate;
  missedRuns: MissedRuns;
  paused: boolean;
  /** The next time a job is due; null while paused (or when the expression has no time left). */
  nextRunAt: number | null;
  /** The scheduled time of the last job the schedule created. */
  lastRunAt: number | null;
  lastJobId: string | null;
  /** Why the last due time created no job (its template no longer makes a valid job), if it did not. */
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}
