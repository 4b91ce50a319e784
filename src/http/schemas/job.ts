import { Type } from '@sinclair/typebox';
import { JOB_TYPE_PATTERN, PRIORITY_MAX, PRIORITY_MIN } from '../../core/job.js';
import { JOB_STATUSES } from '../../core/lifecycle.js';
import { FileSchema } from './file.js';
import { CreatePeopleWork, PeopleWorkSchema } from './people.js';
import { CursorQuery, Name, Nullable, RepresentationQuery, Timestamp, Uuid } from './common.js';

export const JobStatus = Type.Union(
  JOB_STATUSES.map((s) => Type.Literal(s)),
  { description: 'pending → running → (delivered) → succeeded | failed; cancelling → cancelled.' },
);

export const JobType = Type.String({
  pattern: JOB_TYPE_PATTERN,
  description: 'The kind of work; workers register handlers by type.',
  examples: ['export'],
});

/** A list of job types: what a worker claims, or what a worker token may claim. */
export const JobTypes = (options: { description: string }) =>
  Type.Array(Type.String({ pattern: JOB_TYPE_PATTERN }), { minItems: 1, maxItems: 100, uniqueItems: true, ...options });

export const Job = Type.Object(
  {
    id: Uuid,
    project_id: Nullable(Uuid),
    number: Type.Integer({
      description: 'Sequence number within the project (or the workspace for jobs without a project).',
    }),
    type: JobType,
    name: Nullable(Type.String()),
    executor: Type.Union([Type.Literal('worker'), Type.Literal('people')]),
    status: JobStatus,
    status_reason: Nullable(Type.String()),
    priority: Type.Integer(),
    input: Type.Unknown(),
    output: Type.Unknown(),
    error: Nullable(
      Type.Object({ message: Type.String(), code: Type.Optional(Type.String()) }, { additionalProperties: true }),
    ),
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    progress_message: Nullable(Type.String()),
    attempts: Type.Integer(),
    max_attempts: Type.Integer(),
    worker: Nullable(
      Type.String({
        description:
          "The worker running the job's current attempt (it holds the job's lease: a remote worker's `<name>#<hash>`, " +
          'or an in-process worker id); null while no attempt runs.',
      }),
    ),
    timeout_ms: Nullable(Type.Integer()),
    run_at: Timestamp,
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    completed_at: Nullable(Timestamp),
    updated_at: Timestamp,
    version: Type.Integer({ description: 'Increases on every change; the ETag is derived from it.' }),
    callback_url: Nullable(Type.String({ description: "Where this job's events are POSTed, signed as webhooks." })),
    schedule_id: Nullable(
      Type.String({ format: 'uuid', description: 'The schedule that created this job (/v1/schedules), if one did.' }),
    ),
    concurrency_key: Nullable(
      Type.String({ description: "The key the type's per-key limits count this job by (docs/flow-control.md)." }),
    ),
    deduplication_key: Nullable(
      Type.String({ description: 'The key creates of the same type were deduplicated by (docs/flow-control.md).' }),
    ),
    people: Nullable(PeopleWorkSchema),
    attempt_history: Type.Optional(
      Type.Array(
        Type.Object({
          number: Type.Integer(),
          worker: Nullable(Type.String()),
          started_at: Timestamp,
          finished_at: Nullable(Timestamp),
          outcome: Type.String({ description: 'succeeded, failed, timed_out, cancelled or lease_expired' }),
          error: Nullable(
            Type.Object({ message: Type.String(), code: Nullable(Type.String()), stack: Nullable(Type.String()) }),
          ),
        }),
        { description: 'Every attempt so far (GET of one job only).' },
      ),
    ),
    files: Type.Optional(
      Type.Array(FileSchema, { description: "The job's input and output files (GET of one job only)." }),
    ),
  },
  { $id: 'Job' },
);

export const CreateJobBody = Type.Object(
  {
    type: JobType,
    name: Type.Optional(Name({ maxLength: 200 })),
    project_id: Type.Optional(Uuid),
    priority: Type.Optional(
      Type.Integer({ minimum: PRIORITY_MIN, maximum: PRIORITY_MAX, description: 'Higher runs first.' }),
    ),
    input: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Arbitrary JSON object handed to the handler.' }),
    ),
    run_at: Type.Optional(Type.String({ format: 'date-time', description: 'Do not start before this time.' })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    timeout_ms: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 7 * 24 * 3600 * 1000,
        description: 'Per attempt; the handler is signalled and the attempt fails when it runs out.',
      }),
    ),
    depends_on: Type.Optional(
      Type.Array(Uuid, {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Jobs that must succeed first; the job waits (status_reason "waiting") and fails if one of them fails.',
      }),
    ),
    callback_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          "An http(s) URL that receives this job's events, signed with the workspace's callback endpoint secret (see /v1/webhooks).",
      }),
    ),
    executor: Type.Optional(
      Type.Union([Type.Literal('worker'), Type.Literal('people')], {
        description: '`people` for work done by providers (default `worker`).',
      }),
    ),
    people: Type.Optional(CreatePeopleWork),
    concurrency_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "What the type's per-key limits count by (a customer id, a project): `key_concurrency` and a per-key `rate_limit` (/v1/job-types/{type}/flow).",
      }),
    ),
    deduplication_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "While a job of the same type with this key is pending (or running, if the type's flow says so), the create returns that job with 200 instead of creating one (replacing its input, if the type's flow says so).",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListJobsQuery = Type.Object(
  {
    project_id: Type.Optional(Uuid),
    status: Type.Optional(
      Type.Array(JobStatus, { maxItems: 7, description: 'Repeat to match any of several statuses.' }),
    ),
    type: Type.Optional(JobType),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Jobs whose name contains this text (any letter case).',
      }),
    ),
    created_after: Type.Optional(Type.String({ format: 'date-time' })),
    created_before: Type.Optional(Type.String({ format: 'date-time' })),
    order_by: Type.Optional(
      Type.Union([Type.Literal('created_at'), Type.Literal('updated_at')], {
        description: 'Newest first by creation (default) or by the latest change.',
      }),
    ),
    ...CursorQuery,
    ...RepresentationQuery,
  },
  { additionalProperties: false },
);

export const JobList = Type.Object({
  data: Type.Array(Type.Ref('Job')),
  next_page_token: Type.Optional(Type.String({ description: 'Absent on the last page.' })),
  total: Type.Optional(Type.Integer({ description: 'With page/per_page only.' })),
  page: Type.Optional(Type.Integer()),
  per_page: Type.Optional(Type.Integer()),
});

const Ref = Type.String({
  pattern: '^[A-Za-z0-9_.-]{1,64}$',
  description: 'A label for this job that other jobs of the batch can name in depends_on.',
});

export const BatchJobBody = Type.Object(
  {
    ...CreateJobBody.properties,
    ref: Type.Optional(Ref),
    depends_on: Type.Optional(
      Type.Array(Type.Union([Uuid, Ref]), {
        maxItems: 100,
        uniqueItems: true,
        description: 'Ids of existing jobs, or refs of jobs in this batch.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreateJobsBatchBody = Type.Object(
  { jobs: Type.Array(BatchJobBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
