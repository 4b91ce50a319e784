import { Type } from '@sinclair/typebox';
import { CreateJobBody } from './job.js';
import { Name, Nullable, Timestamp, Uuid } from './common.js';

const p = CreateJobBody.properties;

const JobTemplate = Type.Object(
  {
    type: p.type,
    name: p.name,
    input: p.input,
    project_id: p.project_id,
    priority: p.priority,
    max_attempts: p.max_attempts,
    timeout_ms: p.timeout_ms,
  },
  {
    additionalProperties: false,
    description: 'The job created at each time, with the fields of POST /v1/jobs it may name.',
  },
);

const Cron = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'A cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), read in `time_zone`.',
  examples: ['0 3 * * *', '*/15 * * * 1-5'],
});
const IntervalSeconds = Type.Integer({
  minimum: 1,
  maximum: 366 * 24 * 3600,
  description: 'Every this many seconds, counted from when the schedule was created or its times last changed.',
});
const TimeZone = Type.String({
  minLength: 1,
  maxLength: 100,
  description:
    'An IANA time zone (`Europe/Berlin`); `UTC` by default. Daylight saving changes neither skip nor repeat a run.',
});
const MissedRuns = Type.Union([Type.Literal('skip'), Type.Literal('run_once')], {
  description:
    'Times that passed while no process was up: `skip` them (the default) or create one job for the latest (`run_once`).',
});
const ScheduleName = Name({ maxLength: 200, description: 'A label.' });

export const Schedule = Type.Object(
  {
    id: Uuid,
    name: Nullable(Type.String()),
    cron: Nullable(Type.String()),
    interval_seconds: Nullable(Type.Integer()),
    time_zone: Type.String(),
    job: JobTemplate,
    missed_runs: MissedRuns,
    paused: Type.Boolean(),
    next_run_at: Nullable(Timestamp),
    last_run_at: Nullable(Timestamp),
    last_job_id: Nullable(Type.String({ format: 'uuid' })),
    last_error: Nullable(
      Type.String({ description: 'Why the last due time created no job (its template no longer makes a valid job).' }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Schedule', description: 'Jobs created from a template at the times of a cron expression or an interval.' },
);

export const CreateScheduleBody = Type.Object(
  {
    name: Type.Optional(ScheduleName),
    cron: Type.Optional(Cron),
    interval_seconds: Type.Optional(IntervalSeconds),
    time_zone: Type.Optional(TimeZone),
    job: JobTemplate,
    missed_runs: Type.Optional(MissedRuns),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateScheduleBody = Type.Object(
  {
    name: Type.Optional(Nullable(ScheduleName)),
    cron: Type.Optional(Cron),
    interval_seconds: Type.Optional(IntervalSeconds),
    time_zone: Type.Optional(TimeZone),
    job: Type.Optional(JobTemplate),
    missed_runs: Type.Optional(MissedRuns),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ScheduleList = Type.Object({
  data: Type.Array(Schedule),
  next_page_token: Type.Optional(Type.String()),
  total: Type.Optional(Type.Integer()),
  page: Type.Optional(Type.Integer()),
  per_page: Type.Optional(Type.Integer()),
});
