import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminal } from '../../core/lifecycle.js';
import type { Job } from '../../core/job.js';
import { attemptRepresentation, jobRepresentation, type JobRepresentation } from '../../core/job-json.js';
import type { Services } from '../../services/context.js';
import { cancelJob } from '../../services/job-cancel.js';
import { retryJob } from '../../services/job-changes.js';
import { getJobDetails, getJobDetailsIfChanged } from '../../services/job-reads.js';
import type { App } from '../app.js';
import { noneMatch, notModified, versionTag } from '../conditional.js';
import { waitForChange } from '../long-poll.js';
import { FILE_LINK_REFRESH_MS, type RenderedJob, type RenderedJobs } from '../rendered-jobs.js';
import { IdParams, RepresentationQuery, errorResponses } from '../schemas/common.js';
import { fileRepresentation } from './files.js';
import { jobCreationRoutes } from './job-creation.js';
import { jobListRoutes } from './job-lists.js';

/** How soon a poller should look again (RFC 9110 §10.2.3); finished jobs send none. */
function retryAfterSeconds(job: Job): number | undefined {
  if (isTerminal(job.status)) return undefined;
  return job.status === 'running' || job.status === 'cancelling' ? 1 : 2;
}

function retryAfterHeader(job: Job): string | undefined {
  const wait = retryAfterSeconds(job);
  return wait === undefined ? undefined : String(wait);
}

/** Sets Retry-After and the ETag; true when the client already has this version (the reply is a 304). */
function conditional(
  request: FastifyRequest,
  reply: FastifyReply,
  version: number,
  retryAfter: string | undefined,
): boolean {
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
  return notModified(request, reply, versionTag(version));
}

function sendJob(
  request: FastifyRequest,
  reply: FastifyReply,
  job: Job,
  retryAfter: string | undefined,
): JobRepresentation | FastifyReply {
  if (conditional(request, reply, job.version, retryAfter)) return reply.send();
  return jobRepresentation(job);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A rendered copy of the job's current version, with the headers sendJob gives it. */
function sendRendered(request: FastifyRequest, reply: FastifyReply, copy: RenderedJob): FastifyReply {
  if (conditional(request, reply, copy.version, copy.retryAfter)) return reply.send();
  return reply.type(JSON_TYPE).send(copy.body);
}

/** The job routes: creation and lists (their own files), one job's reads and changes (here). */
export function jobRoutes(app: App, services: Services, rendered: RenderedJobs): void {
  jobCreationRoutes(app, services);

  app.get(
    '/v1/jobs/:id',
    {
      config: { scope: 'jobs:read', xmlRoot: 'job', provider: true },
      schema: {
        tags: ['jobs'],
        summary: 'Get a job',
        description:
          'With `wait=<seconds>` and `If-None-Match`, a long poll: the answer comes as soon as the job differs from that version, or when the wait ends (then 304).',
        params: IdParams,
        querystring: Type.Object(
          {
            ...RepresentationQuery,
            wait: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 60,
                description: 'Seconds to wait for a change of the version named in If-None-Match (long polling).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Job'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const wait = request.query.wait ?? 0;
      const principal = request.principal!;
      const id = request.params.id;
      const { format, pretty, fields } = request.representation;
      const plain =
        rendered.enabled &&
        wait === 0 &&
        format === 'json' &&
        !pretty &&
        fields === undefined &&
        principal.providerId === undefined;
      const now = services.clock.now();
      const copy = plain ? rendered.get(id, principal.workspaceId, now) : undefined;
      const read =
        copy === undefined
          ? await getJobDetails(services, principal, id)
          : await getJobDetailsIfChanged(services, principal, id, copy.version);
      if (read === 'unchanged') {
        rendered.hits++;
        return sendRendered(request, reply, copy!);
      }
      if (plain) rendered.misses++;
      let details = read;
      if (wait > 0 && noneMatch(request, versionTag(details.job.version))) {
        const changed = await waitForChange(services, request, reply, details.job, wait * 1000);
        if (changed.version !== details.job.version) details = await getJobDetails(services, principal, id);
      }
      const retryAfter = retryAfterHeader(details.job);
      const body = sendJob(request, reply, details.job, retryAfter);
      if (body === reply) return body;
      // Added to the fresh representation, not spread into a copy: V8 copies an object of this many
      // properties by a slow path that costs more than building the representation did.
      const job = Object.assign(body as JobRepresentation, {
        attempt_history: details.attempts.map(attemptRepresentation),
        files: details.files.map((f) => fileRepresentation(services, f)),
      });
      if (!plain) return job;
      const text = reply.serialize(job) as string; // the schema-compiled serializer gives a string
      const staleAt = job.files.length > 0 ? now + FILE_LINK_REFRESH_MS : Infinity;
      rendered.set(id, { workspaceId: principal.workspaceId, version: job.version, retryAfter, body: text, staleAt });
      return reply.type(JSON_TYPE).send(text);
    },
  );

  jobListRoutes(app, services);

  app.post(
    '/v1/jobs/:id/cancel',
    {
      config: { scope: 'jobs:write', xmlRoot: 'job' },
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        description:
          'Pending jobs are cancelled at once; running jobs become `cancelling` until their handler stops; finished jobs answer 409.',
        params: IdParams,
        response: { 200: Type.Ref('Job'), ...errorResponses },
      },
    },
    async (request) => jobRepresentation(await cancelJob(services, request.principal!, request.params.id)),
  );

  app.post(
    '/v1/jobs/:id/retry',
    {
      config: { scope: 'jobs:write', xmlRoot: 'job' },
      schema: {
        tags: ['jobs'],
        summary: 'Retry a failed or cancelled job',
        description:
          'Puts the job back in the queue with a fresh set of attempts; its earlier attempts stay in `attempt_history`. Other statuses answer 409.',
        params: IdParams,
        response: { 200: Type.Ref('Job'), ...errorResponses },
      },
    },
    async (request) => jobRepresentation(await retryJob(services, request.principal!, request.params.id)),
  );
}
