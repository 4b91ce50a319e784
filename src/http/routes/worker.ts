import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import { toIso } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import * as claims from '../../services/worker-claims.js';
import * as reports from '../../services/worker-reports.js';
import type { App } from '../app.js';
import { FILE_NAME_PATTERN } from '../../services/files.js';
import { IdParams, Uuid, errorResponses } from '../schemas/common.js';
import { FileSchema } from '../schemas/file.js';
import { fileRepresentation } from './files.js';
import {
  ClaimBody,
  ClaimResponse,
  CompleteBody,
  FailBody,
  HeartbeatBody,
  HeartbeatResponse,
  LeaseBody,
  LeaseHeaders,
  OutcomeResponse,
  ProgressBody,
} from '../schemas/worker.js';
import { uploadedType } from '../file-content.js';
import { claimedJob, workerBatchRoutes } from './worker-batches.js';

// The worker protocol (docs/workers.md): a token with the jobs:work scope claims jobs and reports on
// them; every call after the claim carries the claim's lease token (src/services/worker-claims.ts, worker-reports.ts).

const config = { scope: 'jobs:work' as const };
const tags = ['worker'];
const seconds = (s: number | undefined): number => (s ?? claims.DEFAULT_LEASE_SECONDS) * 1000;

export function workerRoutes(app: App, services: Services): void {
  app.post(
    '/v1/worker/claims',
    {
      config,
      schema: {
        tags,
        summary: 'Claim runnable jobs, waiting for one if asked',
        description: `Takes up to \`limit\` (at most ${claims.MAX_CLAIM}) runnable jobs of the given types, each leased to the caller. With \`wait\` (seconds, at most ${claims.MAX_WAIT_SECONDS}) and nothing runnable, answers as soon as a job of these types is created or released, or with an empty list when the time is up.`,
        body: ClaimBody,
        response: { 200: ClaimResponse, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const abort = new AbortController();
      const gone = (): void => abort.abort();
      request.raw.socket?.once('close', gone);
      try {
        const claimed = await claims.claimRemote(services, request.principal!, {
          worker: body.worker,
          types: body.types,
          limit: body.limit ?? 1,
          leaseMs: seconds(body.lease_seconds),
          waitMs: (body.wait ?? 0) * 1000,
          signal: abort.signal,
        });
        return { data: claimed.map(claimedJob) };
      } finally {
        request.raw.socket?.off('close', gone);
      }
    },
  );

  app.post(
    '/v1/worker/jobs/:id/heartbeat',
    {
      config,
      schema: {
        tags,
        summary: "Extend a job's lease; learn whether it was cancelled",
        params: IdParams,
        body: HeartbeatBody,
        response: { 200: HeartbeatResponse, ...errorResponses },
      },
    },
    async (request) => {
      const beat = await reports.heartbeat(
        services,
        request.principal!,
        request.params.id,
        request.body.lease,
        seconds(request.body.lease_seconds),
      );
      return { lease_expires_at: toIso(beat.expiresAt)!, cancel_requested: beat.cancelRequested };
    },
  );

  app.post(
    '/v1/worker/jobs/:id/progress',
    {
      config,
      schema: {
        tags,
        summary: "Report a job's progress",
        params: IdParams,
        body: ProgressBody,
        response: { 204: Type.Null({ description: 'Recorded.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await reports.progress(
        services,
        request.principal!,
        request.params.id,
        request.body.lease,
        request.body.percent,
        request.body.message ?? null,
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/worker/jobs/:id/complete',
    {
      config,
      schema: {
        tags,
        summary: 'Finish a job with its output',
        description: 'A job whose cancellation was requested ends cancelled instead.',
        params: IdParams,
        body: CompleteBody,
        response: { 200: OutcomeResponse, ...errorResponses },
      },
    },
    async (request) => {
      const outcome = await reports.complete(services, request.principal!, {
        id: request.params.id,
        lease: request.body.lease,
        output: request.body.output ?? null,
      });
      return { id: request.params.id, outcome };
    },
  );

  app.post(
    '/v1/worker/jobs/:id/fail',
    {
      config,
      schema: {
        tags,
        summary: 'Fail the attempt: retried after backoff, or failed for good',
        description:
          'Retried while attempts are left, unless `retryable` is false. A job whose cancellation was requested ends cancelled instead.',
        params: IdParams,
        body: FailBody,
        response: { 200: OutcomeResponse, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const outcome = await reports.fail(
        services,
        request.principal!,
        request.params.id,
        b.lease,
        { message: b.error.message, code: b.error.code },
        b.retryable ?? true,
      );
      return { id: request.params.id, outcome };
    },
  );

  app.post(
    '/v1/worker/jobs/:id/release',
    {
      config,
      schema: {
        tags,
        summary: 'Give a job back to the queue without counting the attempt',
        params: IdParams,
        body: LeaseBody,
        response: { 204: Type.Null({ description: 'Released.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await reports.release(services, request.principal!, request.params.id, request.body.lease);
      return reply.code(204).send(null);
    },
  );

  // Output files take the raw body in any media type, streamed to disk within the file limit.
  app.register(async (plugin) => {
    const uploads = plugin.withTypeProvider<TypeBoxTypeProvider>();
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.put(
      '/v1/worker/jobs/:id/files/:name',
      {
        config: { ...config, xmlRoot: 'file' },
        schema: {
          tags,
          summary: 'Store an output file of a job',
          description:
            "Send the bytes as the body with their Content-Type, and the lease token in `Jobline-Lease`. Writing the same name again replaces the file, as a handler's `ctx.writeFile`.",
          params: Type.Object({ id: Uuid, name: Type.String({ pattern: FILE_NAME_PATTERN }) }),
          headers: LeaseHeaders,
          response: { 201: FileSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (request.body === undefined || request.body === null)
          throw new AppError('bad_request', 'Send the file as the request body.');
        const contentType = uploadedType(request.headers['content-type']);
        const file = await reports.writeFile(
          services,
          request.principal!,
          request.params.id,
          request.headers['jobline-lease'],
          {
            name: request.params.name,
            contentType,
            source: request.body as Readable,
          },
        );
        reply.header('location', `/v1/files/${file.id}`);
        return reply.code(201).send(fileRepresentation(services, file));
      },
    );
  });
  workerBatchRoutes(app, services);
}
