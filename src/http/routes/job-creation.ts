import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.js';
import { jobRepresentation } from '../../core/job-json.js';
import type { Services } from '../../services/context.js';
import { withIdempotencyKey } from '../../services/idempotency.js';
import { createJob, createJobs, type CreateJobInput } from '../../services/job-creation.js';
import { wasDeduplicated } from '../../services/job-keys.js';
import type { Executor } from '../../store/store.js';
import type { App } from '../app.js';
import { versionTag } from '../conditional.js';
import { errorResponses } from '../schemas/common.js';
import { BatchJobBody, CreateJobBody, CreateJobsBatchBody } from '../schemas/job.js';
import { creatingJobs } from '../tracing.js';
import { parseTime } from '../validation.js';

// Creating jobs, one or a batch, replayed for a repeated Idempotency-Key.

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Replays the first response for the same key and body for 24 h.',
    }),
  ),
});

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

function toCreateInput(b: typeof CreateJobBody.static | typeof BatchJobBody.static): CreateJobInput {
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

export function jobCreationRoutes(app: App, services: Services): void {
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
        const create = async (trx?: Executor) => {
          const job = await createJob(services, principal, input, trx);
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
        const inputs: CreateJobInput[] = request.body.jobs.map((b) => ({
          ...toCreateInput(b),
          ref: b.ref,
          ...traceContext,
        }));
        const create = async (trx?: Executor) => {
          const jobs = await createJobs(services, principal, inputs, trx);
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
}
