import { Type } from '@sinclair/typebox';
import { toIso } from '../../core/clock.js';
import { JOB_STATUSES } from '../../core/lifecycle.js';
import type { Services } from '../../services/context.js';
import { STATS_MINUTES, workspaceStats } from '../../services/stats.js';
import type { App } from '../app.js';
import { RepresentationQuery, Timestamp, Uuid, errorResponses } from '../schemas/common.js';
import { JobType } from '../schemas/job.js';

const PerMinute = (description: string) =>
  Type.Array(Type.Integer({ minimum: 0 }), { minItems: STATS_MINUTES, maxItems: STATS_MINUTES, description });

const StatsResponse = Type.Object({
  since: Timestamp,
  until: Timestamp,
  step_seconds: Type.Integer({
    description: 'Each series has one number per step, oldest first; the last step is the current minute.',
  }),
  counts: Type.Object(Object.fromEntries(JOB_STATUSES.map((s) => [s, Type.Integer({ minimum: 0 })])), {
    description: 'Jobs per status now.',
  }),
  events_cursor: Type.String({
    description:
      'The workspace feed (GET /v1/events) as of just before these numbers: follow it with `after` or `Last-Event-ID` to keep them current.',
  }),
  types: Type.Array(
    Type.Object({
      type: Type.String(),
      succeeded: PerMinute('Jobs that succeeded in each minute.'),
      failed: PerMinute('Jobs that failed in each minute.'),
      queue_depth: PerMinute('Jobs waiting to start at the end of each minute (the last: now).'),
    }),
    { description: 'Job types with activity in the window or jobs still open, by name.' },
  ),
});

export function statsRoutes(app: App, services: Services): void {
  app.get(
    '/v1/stats',
    {
      config: { scope: 'jobs:read', xmlRoot: 'stats' },
      schema: {
        tags: ['jobs'],
        summary: 'Job counts per status, and the last hour per minute and job type',
        querystring: Type.Object(
          { project_id: Type.Optional(Uuid), type: Type.Optional(JobType), ...RepresentationQuery },
          { additionalProperties: false },
        ),
        response: { 200: StatsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const s = await workspaceStats(services, request.principal!, {
        projectId: request.query.project_id,
        type: request.query.type,
      });
      return {
        since: toIso(s.since)!,
        until: toIso(s.until)!,
        step_seconds: 60,
        counts: s.counts,
        events_cursor: s.eventsCursor,
        types: s.types.map((t) => ({
          type: t.type,
          succeeded: t.succeeded,
          failed: t.failed,
          queue_depth: t.queueDepth,
        })),
      };
    },
  );
}
