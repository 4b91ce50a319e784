import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isTerminal } from '../../core/lifecycle.js';
import type { Job } from '../../core/job.js';
import * as jobService from '../../services/jobs.js';
import { cancelJob } from '../../services/job-cancel.js';
import { getProject } from '../../services/projects.js';
import { fileRepresentation } from './files.js';
import { withIdempotencyKey } from '../../services/idempotency.js';
import type { Services } from '../../services/context.js';
import { noneMatch, notModified, versionTag } from '../conditional.js';
import { waitForChange } from '../long-poll.js';
import { attemptRepresentation, jobRepresentation, type JobRepresentation } from '../../core/job-json.js';
import { IdParams, RepresentationQuery, errorResponses } from '../schemas/common.js';
import { BatchJobBody, CreateJobBody, CreateJobsBatchBody, JobList, ListJobsQuery } from '../schemas/job.js';
import type { App } from '../app.js';
import { creatingJobs } from '../tracing.js';
import { offsetPage } from '../paging.js';
import { FILE_LINK_REFRESH_MS, type RenderedJob, type RenderedJobs } from '../rendered-jobs.js';
import { wasDeduplicated } from '../../services/job-keys.js';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Replays the first response for the same key and body for 24 h.',
    }),
  ),
});

/** How soon a poller should look again (RFC 9110 §10.2.3); finished jobs send none. */
function retryAfterSeconds(job: Job): number | undefined {
  if (isTerminal(job.status)) return undefined;
  return job.status === 'running' || job.status === 'cancelling' ? 1 : 2;
}

/** The Idempotency-Key draft asks for an sf-string ("…"); most clients send a bare token. Accept both. */
function idempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const key = raw.trim().replace(/^"(.*)"$/, '$1');
  if (key === '' || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', {
      errors: [{ pointer: '#/headers/idempotency-key', detail: 'invalid' }],
    });
  }
  return key;
}

function toCreateInput(b: typeof CreateJobBody.static | typeof BatchJobBody.static): jobService.CreateJobInput {
  return {
    type: b.type,
    name: b.name,
    projectId: b.project_id,
    priority: b.priority,
    input: b.input,
    runAt: parseTime(b.run_at),
    maxAttempts: b.max_attempts,
    timeoutMs: b.timeout_ms,
    dependsOn: b.depends_on,
    callbackUrl: b.callback_url,
    concurrencyKey: b.concurrency_key,
    deduplicationKey: b.deduplication_key,
    people:
      b.executor === 'people' || b.people !== undefined
        ? {
            providers: b.people?.providers ?? [],
            dueAt: parseTime(b.people?.due_at) ?? null,
            referenceId: b.people?.reference_id ?? null,
            workflowLevel: b.people?.workflow_level ?? null,
            continuous: b.people?.continuous ?? false,
            importJobId: null,
            sourceUpdatedAt: null,
            targetUpdatedAt: null,
            continuousUpdatedAt: null,
            statusReason: 'new',
          }
        : undefined,
  };
}

function parseTime(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
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

/** A list's validator: the ids and versions of what it shows, plus its paging position. */
function listTag(jobs: Job[], extra: string): string {
  const hash = createHash('sha1');
  for (const j of jobs) hash.update(`${j.id}:${j.version};`);
  hash.update(extra);
  return `W/"${hash.digest('base64url').slice(0, 22)}"`;
}

export function jobRoutes(app: App, services: Services, rendered: RenderedJobs): void {
  app.post(
    '/v1/jobs',
    {
      config: { scope: 'jobs:write', xmlRoot: 'job' },
      schema: {
        tags: ['jobs'],
        summary: 'Create a job',
        body: CreateJobBody,
        headers: IdempotencyHeaders,
        response: {
          200: { ...Type.Ref('Job'), description: 'A job with the same `deduplication_key` exists: that job.' },
          201: Type.Ref('Job'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const b = request.body;
      const key = idempotencyKey(request.headers['idempotency-key']);
      const result = await creatingJobs(request, 'create job', async (traceContext) => {
        const input = { ...toCreateInput(b), ...traceContext };
        const create = async (trx?: Parameters<typeof jobService.createJob>[3]) => {
          const job = await jobService.createJob(services, principal, input, trx);
          const statusCode = wasDeduplicated(job) ? 200 : 201;
          return { statusCode, body: jobRepresentation(job), location: `/v1/jobs/${job.id}` };
        };
        return key === undefined
          ? { ...(await create()), replayed: false }
          : await withIdempotencyKey(services, principal, key, b, create);
      });
      if (key !== undefined && !result.replayed) services.wakeups.jobsAdded(); // created inside the key's transaction
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      reply.header('location', result.location!);
      reply.header('etag', versionTag(result.body.version));
      return reply.code(result.statusCode).send(result.body);
    },
  );

  app.post(
    '/v1/jobs::batch',
    {
      config: { scope: 'jobs:write', xmlRoot: 'jobs' },
      schema: {
        tags: ['jobs'],
        summary: 'Create up to 1,000 jobs at once, all or none',
        description:
          'Jobs of the batch may depend on each other through `ref`; a cycle or an unknown reference is a 422 and nothing is created.',
        body: CreateJobsBatchBody,
        headers: IdempotencyHeaders,
        response: { 201: Type.Object({ data: Type.Array(Type.Ref('Job')) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const key = idempotencyKey(request.headers['idempotency-key']);
      const result = await creatingJobs(request, 'create jobs', async (traceContext) => {
        const inputs: jobService.CreateJobInput[] = request.body.jobs.map((b) => ({
          ...toCreateInput(b),
          ref: b.ref,
          ...traceContext,
        }));
        const create = async (trx?: Parameters<typeof jobService.createJobs>[3]) => {
          const jobs = await jobService.createJobs(services, principal, inputs, trx);
          return { statusCode: 201, body: { data: jobs.map(jobRepresentation) }, location: null };
        };
        return key === undefined
          ? { ...(await create()), replayed: false }
          : await withIdempotencyKey(services, principal, key, request.body, create);
      });
      if (key !== undefined && !result.replayed) services.wakeups.jobsAdded();
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(result.statusCode).send(result.body);
    },
  );

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
          ? await jobService.getJobDetails(services, principal, id)
          : await jobService.getJobDetailsIfChanged(services, principal, id, copy.version);
      if (read === 'unchanged') {
        rendered.hits++;
        return sendRendered(request, reply, copy!);
      }
      if (plain) rendered.misses++;
      let details = read;
      if (wait > 0 && noneMatch(request, versionTag(details.job.version))) {
        const changed = await waitForChange(services, request, reply, details.job, wait * 1000);
        if (changed.version !== details.job.version) details = await jobService.getJobDetails(services, principal, id);
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

  const list = async (
    request: FastifyRequest,
    reply: FastifyReply,
    q: typeof ListJobsQuery.static,
    projectId?: string,
  ) => {
    const filter: jobService.ListFilter = {
      projectId: projectId ?? q.project_id,
      statuses: q.status,
      type: q.type,
      nameContains: q.q,
      createdAfter: parseTime(q.created_after),
      createdBefore: parseTime(q.created_before),
    };
    const offset = offsetPage(q);
    if (offset !== undefined) {
      const { page, perPage } = offset;
      const result = await jobService.listJobsByPage(services, request.principal!, filter, {
        page,
        perPage,
        order: q.order_by,
      });
      if (notModified(request, reply, listTag(result.jobs, `${page}/${perPage}/${result.total}/${q.order_by ?? ''}`)))
        return reply.send();
      return { data: result.jobs.map(jobRepresentation), total: result.total, page, per_page: perPage };
    }
    const result = await jobService.listJobs(services, request.principal!, filter, {
      pageSize: q.page_size ?? 50,
      pageToken: q.page_token,
      order: q.order_by,
    });
    if (
      notModified(
        request,
        reply,
        listTag(result.jobs, `${q.page_token ?? ''}/${result.nextPageToken !== undefined}/${q.order_by ?? ''}`),
      )
    )
      return reply.send();
    return {
      data: result.jobs.map(jobRepresentation),
      ...(result.nextPageToken !== undefined ? { next_page_token: result.nextPageToken } : {}),
    };
  };

  app.get(
    '/v1/jobs',
    {
      config: { scope: 'jobs:read', xmlRoot: 'jobs', provider: true },
      schema: {
        tags: ['jobs'],
        summary: 'List jobs',
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses },
      },
    },
    (request, reply) => list(request, reply, request.query),
  );

  app.get(
    '/v1/projects/:id/jobs',
    {
      config: { scope: 'jobs:read', xmlRoot: 'jobs' },
      schema: {
        tags: ['jobs'],
        summary: "List a project's jobs",
        params: IdParams,
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses },
      },
    },
    async (request, reply) => {
      await getProject(services, request.principal!, request.params.id); // 404 for another workspace's project
      return list(request, reply, request.query, request.params.id);
    },
  );

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
    async (request) => jobRepresentation(await jobService.retryJob(services, request.principal!, request.params.id)),
  );
}
