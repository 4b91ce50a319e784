import { Type } from '@sinclair/typebox';
import type { Schedule as ScheduleModel } from '../../core/schedule.js';
import type { Services } from '../../services/context.js';
import * as schedules from '../../services/schedules.js';
import type { App } from '../app.js';
import { pagedList } from '../paging.js';
import { scheduleRepresentation } from '../representations/schedule.js';
import { CursorQuery, IdParams, RepresentationQuery, errorResponses } from '../schemas/common.js';
import { CreateScheduleBody, Schedule, ScheduleList, UpdateScheduleBody } from '../schemas/schedule.js';

// Schedules create jobs, so they take the jobs scopes: jobs:read to see them, jobs:write to change them.

export function scheduleRoutes(app: App, services: Services): void {
  const show = (s: ScheduleModel) => scheduleRepresentation(s);

  app.post(
    '/v1/schedules',
    {
      config: { scope: 'jobs:write', xmlRoot: 'schedule' },
      schema: {
        tags: ['schedules'],
        summary: 'Create a schedule',
        description:
          'Either `cron` (with `time_zone`) or `interval_seconds`. A bad expression or an unknown time zone is a 422 naming the field.',
        body: CreateScheduleBody,
        response: { 201: Schedule, ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const schedule = await schedules.createSchedule(services, request.principal!, {
        name: b.name,
        cron: b.cron,
        intervalSeconds: b.interval_seconds,
        timeZone: b.time_zone,
        job: b.job,
        missedRuns: b.missed_runs,
        paused: b.paused,
      });
      reply.header('location', `/v1/schedules/${schedule.id}`);
      return reply.code(201).send(show(schedule));
    },
  );

  app.get(
    '/v1/schedules',
    {
      config: { scope: 'jobs:read', xmlRoot: 'schedules' },
      schema: {
        tags: ['schedules'],
        summary: "List the workspace's schedules, newest first",
        querystring: Type.Object({ ...CursorQuery, ...RepresentationQuery }, { additionalProperties: false }),
        response: { 200: ScheduleList, ...errorResponses },
      },
    },
    async (request) =>
      pagedList(
        request.query,
        async (page) => {
          const r = await schedules.listSchedulesByPage(services, request.principal!, page);
          return { items: r.schedules, total: r.total };
        },
        async (page) => {
          const r = await schedules.listSchedules(services, request.principal!, page);
          return { items: r.schedules, nextPageToken: r.nextPageToken };
        },
        show,
      ),
  );

  app.get(
    '/v1/schedules/:id',
    {
      config: { scope: 'jobs:read', xmlRoot: 'schedule' },
      schema: {
        tags: ['schedules'],
        summary: 'Get a schedule',
        params: IdParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Schedule, ...errorResponses },
      },
    },
    async (request) => show(await schedules.getSchedule(services, request.principal!, request.params.id)),
  );

  app.patch(
    '/v1/schedules/:id',
    {
      config: { scope: 'jobs:write', xmlRoot: 'schedule' },
      schema: {
        tags: ['schedules'],
        summary: 'Change a schedule',
        description:
          'Naming `cron` replaces an interval and `interval_seconds` a cron expression. A change of the times, or a resume, computes the next time from now.',
        params: IdParams,
        body: UpdateScheduleBody,
        response: { 200: Schedule, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      return show(
        await schedules.updateSchedule(services, request.principal!, request.params.id, {
          name: b.name,
          cron: b.cron,
          intervalSeconds: b.interval_seconds,
          timeZone: b.time_zone,
          job: b.job,
          missedRuns: b.missed_runs,
          paused: b.paused,
        }),
      );
    },
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(
      `/v1/schedules/:id/${action}`,
      {
        config: { scope: 'jobs:write', xmlRoot: 'schedule' },
        schema: {
          tags: ['schedules'],
          summary: paused
            ? 'Pause a schedule: no jobs until it is resumed'
            : 'Resume a schedule from its next time after now',
          params: IdParams,
          response: { 200: Schedule, ...errorResponses },
        },
      },
      async (request) =>
        show(await schedules.updateSchedule(services, request.principal!, request.params.id, { paused })),
    );
  }

  app.delete(
    '/v1/schedules/:id',
    {
      config: { scope: 'jobs:write' },
      schema: {
        tags: ['schedules'],
        summary: 'Delete a schedule (the jobs it created stay)',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await schedules.deleteSchedule(services, request.principal!, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
