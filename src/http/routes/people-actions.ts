import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors.js';
import { PEOPLE_ACTIONS, PEOPLE_ACTORS, PEOPLE_TRANSITIONS, type PeopleAction } from '../../core/lifecycle.js';
import type { Services } from '../../services/context.js';
import { FILE_NAME_PATTERN } from '../../services/files.js';
import { actOnJob } from '../../services/people.js';
import { deletePeopleJob, editPeopleJob, updateSource } from '../../services/people-edits.js';
import type { App } from '../app.js';
import { jobRepresentation } from '../../core/job-json.js';
import { IdParams, Name, Nullable, errorResponses } from '../schemas/common.js';
import { ProviderRefs } from '../schemas/people.js';
import { uploadedType } from '../file-content.js';

// The actions on jobs done by people, one route per action named as in `allowed_actions`
// (POST /v1/jobs/{id}/accept …). Provider actions take the assigned provider's own token too.

const Comment = Type.String({ maxLength: 5000, description: 'Kept with the event in the job timeline.' });
const ActionBody = Type.Union([
  Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false }),
  Type.Null(),
]);
const OfferBody = Type.Union([
  Type.Object(
    {
      providers: Type.Optional(ProviderRefs),
      due_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      comment: Type.Optional(Comment),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const DESCRIPTIONS: Record<PeopleAction, string> = {
  offer:
    'Offers the job to its providers (or to the `providers` given, which replace them): pending, reason `offered`.',
  accept:
    'A provider accepts the job: running, reason `accepted`. With a provider token, that provider becomes the only one on the job. Two racing accepts: one wins, the other gets 409.',
  decline: 'A provider declines the job: pending, reason `declined`.',
  deliver: 'The provider delivers: delivered, reason `delivered`. Use the upload variant below to deliver with a file.',
  request_revision: 'The customer asks for changes to a delivery: running, reason `revision_requested`.',
  accept_delivery:
    'The customer accepts the delivery: succeeded, reason `delivery_accepted`; the next workflow step becomes available.',
  reject: 'The customer rejects the work: failed, reason `rejected`.',
  cancel: 'Cancels the job: cancelled, reason `cancelled_by_client` (also POST /v1/jobs/{id}/cancel).',
  reopen: 'Opens a finished job again: pending, reason `reopened`.',
};

export function peopleActionRoutes(app: App, services: Services): void {
  for (const action of PEOPLE_ACTIONS) {
    if (action === 'cancel') continue; // POST /v1/jobs/{id}/cancel serves both kinds of jobs
    const t = PEOPLE_TRANSITIONS[action];
    app.post(
      `/v1/jobs/:id/${action}`,
      {
        config: { scope: 'jobs:write', xmlRoot: 'job', provider: PEOPLE_ACTORS[action] === 'provider' },
        schema: {
          tags: ['people'],
          summary: `${action.replace('_', ' ')} (people jobs; ${PEOPLE_ACTORS[action] === 'provider' ? 'the assigned provider, or jobs:write' : 'jobs:write'})`,
          description: `${DESCRIPTIONS[action]} From ${t.from.join(' or ')}; otherwise 409 with the current status and \`allowed_actions\`.${
            ['offer', 'accept', 'decline', 'deliver'].includes(action)
              ? ' While the source is imported or an earlier workflow step is open: 400 `job_not_ready`.'
              : ''
          }`,
          params: IdParams,
          body: action === 'offer' ? OfferBody : ActionBody,
          response: { 200: Type.Ref('Job'), ...errorResponses },
        },
      },
      async (request) => {
        const b = (request.body ?? {}) as {
          comment?: string;
          providers?: { type: 'user' | 'vendor'; id: string }[];
          due_at?: string | null;
        };
        const job = await actOnJob(services, request.principal!, request.params.id, action, {
          comment: b.comment,
          providers: b.providers,
          ...(b.due_at !== undefined ? { dueAt: b.due_at === null ? null : Date.parse(b.due_at) } : {}),
        });
        return jobRepresentation(job);
      },
    );
  }

  // Routes whose body is a file, streamed to storage like POST /v1/files.
  app.register(async (plugin) => {
    const files = plugin.withTypeProvider<TypeBoxTypeProvider>();
    files.removeAllContentTypeParsers();
    files.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const NameQuery = Type.Object(
      { name: Type.String({ pattern: FILE_NAME_PATTERN }) },
      { additionalProperties: false },
    );

    files.post(
      '/v1/jobs/:id/deliver/file',
      {
        config: { scope: 'jobs:write', xmlRoot: 'job', provider: true },
        schema: {
          tags: ['people'],
          summary: 'deliver with a file (the assigned provider, or jobs:write)',
          description:
            'As POST /v1/jobs/{id}/deliver, with the delivered file as the body (its Content-Type, the name in `?name=`); it becomes an output file of the job.',
          params: IdParams,
          querystring: NameQuery,
          response: { 200: Type.Ref('Job'), ...errorResponses },
        },
      },
      async (request) => {
        if (request.body === undefined || request.body === null)
          throw new AppError('bad_request', 'Send the delivered file as the request body.');
        const file = {
          name: request.query.name,
          contentType: uploadedType(request.headers['content-type']),
          source: request.body as Readable,
        };
        return jobRepresentation(await actOnJob(services, request.principal!, request.params.id, 'deliver', { file }));
      },
    );

    files.put(
      '/v1/jobs/:id/source',
      {
        config: { scope: 'jobs:write', xmlRoot: 'job' },
        schema: {
          tags: ['people'],
          summary: "Upload a new version of a people job's source document",
          description:
            'The body is the document (its Content-Type, the name in `?name=`). A document-import job imports it (`people.import_job_id`); a pending job waits with reason `input_not_ready` until it succeeded. Open jobs (running, delivered) take a new source only when `continuous`; `source_updated_at` and `continuous_updated_at` record the change.',
          params: IdParams,
          querystring: NameQuery,
          response: { 200: Type.Ref('Job'), ...errorResponses },
        },
      },
      async (request) => {
        if (request.body === undefined || request.body === null)
          throw new AppError('bad_request', 'Send the source document as the request body.');
        const upload = {
          name: request.query.name,
          contentType: uploadedType(request.headers['content-type']),
          source: request.body as Readable,
        };
        return jobRepresentation((await updateSource(services, request.principal!, request.params.id, upload)).job);
      },
    );
  });

  app.patch(
    '/v1/jobs/:id',
    {
      config: { scope: 'jobs:write', xmlRoot: 'job' },
      schema: {
        tags: ['people'],
        summary: 'Edit a pending people job',
        description:
          'Name, due date, providers and input fields (merged into the input) of a pending people job, while its project is prepared (409 `project_state_conflict` otherwise).',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Nullable(Name({ maxLength: 200 }))),
            due_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
            providers: Type.Optional(ProviderRefs),
            input: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Ref('Job'), ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const job = await editPeopleJob(services, request.principal!, request.params.id, {
        name: b.name,
        dueAt: b.due_at === undefined ? undefined : b.due_at === null ? null : Date.parse(b.due_at),
        providers: b.providers,
        input: b.input,
      });
      return jobRepresentation(job);
    },
  );

  app.delete(
    '/v1/jobs/:id',
    {
      config: { scope: 'jobs:write' },
      schema: {
        tags: ['people'],
        summary: 'Remove a pending people job',
        description: 'Only while its project is prepared (409 `project_state_conflict` otherwise).',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deletePeopleJob(services, request.principal!, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
