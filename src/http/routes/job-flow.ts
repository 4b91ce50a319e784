import { Type } from '@sinclair/typebox';
import { flowOfFields } from '../../core/flow.js';
import type { Services } from '../../services/context.js';
import { deleteFlow, getFlow, putFlow, setPaused } from '../../services/job-flow.js';
import type { App } from '../app.js';
import { flowRepresentation } from '../representations/flow.js';
import { RepresentationQuery, errorResponses } from '../schemas/common.js';
import { PutFlowBody } from '../schemas/flow.js';
import { JobType } from '../schemas/job.js';

// Flow control of a job type in the token's workspace (services/job-flow.ts, docs/flow-control.md).

const TypeParams = Type.Object({ type: JobType });

export function jobFlowRoutes(app: App, services: Services): void {
  const tags = ['job-types'];
  const response = { 200: Type.Ref('JobTypeFlow'), ...errorResponses };
  app.get(
    '/v1/job-types/:type/flow',
    {
      config: { scope: 'jobs:read', xmlRoot: 'flow' },
      schema: {
        tags,
        summary: "Read a job type's flow control",
        description: 'The settings that hold in your workspace: its own, else those of the code, else none.',
        params: TypeParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response,
      },
    },
    async (request) => flowRepresentation(await getFlow(services, request.principal!.workspaceId, request.params.type)),
  );

  app.put(
    '/v1/job-types/:type/flow',
    {
      config: { scope: 'admin', xmlRoot: 'flow' },
      schema: {
        tags,
        summary: "Set a job type's flow control",
        description:
          "Replaces, in your workspace, the code's settings (or none) as a whole: a field left out has no limit. A paused type stays paused. `key_concurrency` may not exceed `concurrency`. Claims from then on keep the limits, on every worker.",
        params: TypeParams,
        body: PutFlowBody,
        response,
      },
    },
    async (request) =>
      flowRepresentation(
        await putFlow(services, request.principal!.workspaceId, request.params.type, flowOfFields(request.body)),
      ),
  );

  app.delete(
    '/v1/job-types/:type/flow',
    {
      config: { scope: 'admin', xmlRoot: 'flow' },
      schema: {
        tags,
        summary: "Remove your workspace's own flow control of a job type",
        description:
          "The code's settings hold again (or none); a pause set here ends with them. Answers what holds now.",
        params: TypeParams,
        response,
      },
    },
    async (request) =>
      flowRepresentation(await deleteFlow(services, request.principal!.workspaceId, request.params.type)),
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(
      `/v1/job-types/:type/${action}`,
      {
        config: { scope: 'admin', xmlRoot: 'flow' },
        schema: {
          tags,
          summary: paused ? 'Pause a job type' : 'Resume a job type',
          description: paused
            ? 'No job of the type is claimed in your workspace until it is resumed; claimed jobs finish. Jobs may still be created.'
            : 'Jobs of the type are claimed again, within its limits.',
          params: TypeParams,
          response,
        },
      },
      async (request) =>
        flowRepresentation(await setPaused(services, request.principal!.workspaceId, request.params.type, paused)),
    );
  }
}
