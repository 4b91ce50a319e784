import { Type } from '@sinclair/typebox';
import { toIso } from '../../core/clock.js';
import type { Services } from '../../services/context.js';
import { deleteJobType, getJobType, listJobTypes, putJobType, type JobTypeView } from '../../services/job-types.js';
import type { App } from '../app.js';
import { checkFlow, putFlow } from '../../services/job-flow.js';
import { PutFlowBody } from '../schemas/flow.js';
import { flowOfFields } from '../../core/flow.js';
import { flowRepresentation } from '../representations/flow.js';
import { Nullable, RepresentationQuery, Timestamp, errorResponses } from '../schemas/common.js';
import { JobType } from '../schemas/job.js';
import { MAX_SCHEMA_BYTES } from '../../core/input-schemas.js';

// Job types declared without code (services/job-types.ts): an input schema per type, so the jobs of
// types run by remote workers are validated when created.

const JobTypeSchema = Type.Object({
  type: Type.String(),
  source: Type.Union([Type.Literal('code'), Type.Literal('api')], {
    description:
      'Whose input schema validates the jobs: the code of the server (`defineJob`), which wins, or the one stored through this API.',
  }),
  input_schema: Nullable(Type.Unknown({ description: 'JSON Schema of the input; null when the type has none.' })),
  version: Nullable(
    Type.Integer({
      description:
        'Version of the stored schema (1 when stored, +1 with each change); null when none is stored. A stored schema of a type defined by code is kept but ignored.',
    }),
  ),
  created_at: Nullable(Timestamp),
  updated_at: Nullable(Timestamp),
  flow: Type.Ref('JobTypeFlow', { description: 'Its flow control (/v1/job-types/{type}/flow).' }),
});

const TypeParams = Type.Object({ type: JobType });

const representation = (t: JobTypeView) => ({
  type: t.type,
  source: t.source,
  input_schema: t.inputSchema,
  version: t.version,
  created_at: toIso(t.createdAt),
  updated_at: toIso(t.updatedAt),
  flow: flowRepresentation(t.flow),
});

export function jobTypeRoutes(app: App, services: Services): void {
  const tags = ['job-types'];
  app.get(
    '/v1/job-types',
    {
      config: { scope: 'jobs:read', xmlRoot: 'job_types' },
      schema: {
        tags,
        summary: 'List the job types and their input schemas',
        description: "The types defined by the server's code and those stored in your workspace, by name.",
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(JobTypeSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: (await listJobTypes(services, request.principal!.workspaceId)).map(representation),
    }),
  );

  app.get(
    '/v1/job-types/:type',
    {
      config: { scope: 'jobs:read', xmlRoot: 'job_type' },
      schema: {
        tags,
        summary: 'Read a job type',
        params: TypeParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: JobTypeSchema, ...errorResponses },
      },
    },
    async (request) => representation(await getJobType(services, request.principal!.workspaceId, request.params.type)),
  );

  app.put(
    '/v1/job-types/:type',
    {
      config: { scope: 'admin', xmlRoot: 'job_type' },
      schema: {
        tags,
        summary: "Store a job type's input schema",
        description: `Jobs of the type created from then on (by any server process) must match \`input_schema\` (JSON Schema draft-07 as Ajv reads it, strict: unknown keywords are refused; at most ${MAX_SCHEMA_BYTES} bytes), or \`POST /v1/jobs\` answers 422 with a JSON pointer per problem. Answers 201 when the type is new, 200 when replaced (the same schema again changes nothing). A type defined by the server's code answers 409: its schema is the code's. \`flow\`, if sent, sets the type's flow control as \`PUT /v1/job-types/{type}/flow\` does; a bad one stores nothing.`,
        params: TypeParams,
        body: Type.Object(
          {
            input_schema: Type.Unknown({ description: 'A JSON Schema object.' }),
            flow: Type.Optional({
              ...PutFlowBody,
              description: "The type's flow control in the workspace, as PUT /v1/job-types/{type}/flow sets it.",
            }),
          },
          {
            additionalProperties: false,
          },
        ),
        response: { 200: JobTypeSchema, 201: JobTypeSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { input_schema?: unknown; flow?: typeof PutFlowBody.static };
      const workspaceId = request.principal!.workspaceId;
      const flow = body.flow !== undefined ? flowOfFields(body.flow) : undefined;
      if (flow !== undefined) checkFlow(flow, '#/flow'); // before anything is stored
      const put = await putJobType(services, workspaceId, request.params.type, body.input_schema);
      if (flow === undefined) return reply.code(put.created ? 201 : 200).send(representation(put.jobType));
      await putFlow(services, workspaceId, request.params.type, flow, '#/flow');
      const jobType = await getJobType(services, workspaceId, request.params.type);
      return reply.code(put.created ? 201 : 200).send(representation(jobType));
    },
  );

  app.delete(
    '/v1/job-types/:type',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: "Delete a job type's stored schema",
        description: 'Jobs of the type are then created with any input (unless the code defines the type).',
        params: TypeParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteJobType(services, request.principal!.workspaceId, request.params.type);
      return reply.code(204).send(null);
    },
  );
}
