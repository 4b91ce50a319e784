import { Type } from '@sinclair/typebox';
import { Nullable, Uuid } from './common.js';

export const EventSchema = Type.Object(
  {
    id: Type.String({
      description:
        'The position of this event in the workspace feed: pass it as `after` (or `Last-Event-ID`) to read what follows.',
    }),
    type: Type.String({
      examples: ['job.progress'],
      description:
        '`job.created`, `job.<status>` (e.g. `job.succeeded`), `job.progress`, `job.attempt.failed`, `job.file.added`, …',
    }),
    job_id: Uuid,
    job_type: Type.String(),
    project_id: Nullable(Uuid),
    seq: Type.Integer({ minimum: 1, description: "1, 2, 3… within the job; a job's stream uses it as the SSE id." }),
    data: Type.Record(Type.String(), Type.Unknown()),
    actor: Nullable(Type.String({ description: 'Who caused it: a worker, a provider, a token; null for the system.' })),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Event' },
);

export const JobEventsQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Only events with a greater `seq` (SSE: `Last-Event-ID` wins).' }),
    ),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    page_token: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const FeedQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({ maxLength: 60, description: 'An event `id` (or `next_cursor`): only later events.' }),
    ),
    project_id: Type.Optional(Uuid),
    type: Type.Optional(Type.String({ maxLength: 64, description: 'Only events of jobs of this type.' })),
    event: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), { maxItems: 30, description: 'Only these event names (repeatable).' }),
    ),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
);
