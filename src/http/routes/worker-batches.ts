import { toIso } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import * as claims from '../../services/worker-claims.js';
import * as reports from '../../services/worker-reports.js';
import type { App } from '../app.js';
import { problemBody } from '../plugins/problems.js';
import { errorResponses } from '../schemas/common.js';
import type { Static } from '@sinclair/typebox';
import {
  ClaimedJobSchema,
  CompletionsBody,
  CompletionsResponse,
  HeartbeatsBody,
  HeartbeatsResponse,
} from '../schemas/worker.js';

// The worker protocol's batch forms (docs/workers.md): heartbeats and completions of many jobs in one
// call, each item answered on its own, so one lost lease does not fail the others.

const config = { scope: 'jobs:work' as const };
const tags = ['worker'];
const seconds = (s: number | undefined): number => (s ?? claims.DEFAULT_LEASE_SECONDS) * 1000;

export function workerBatchRoutes(app: App, services: Services): void {
  app.post(
    '/v1/worker/heartbeats',
    {
      config,
      schema: {
        tags,
        summary: 'Extend the leases of many jobs at once',
        description: `Up to ${claims.MAX_CLAIM} jobs, each with its lease token, all extended by \`lease_seconds\`. Each item answers its new expiry and whether its job was cancelled, or its own problem (409 \`lease_lost\`: drop that job).`,
        body: HeartbeatsBody,
        response: { 200: HeartbeatsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const items = request.body.data;
      listedOnce(items);
      const results = await reports.heartbeats(
        services,
        request.principal!,
        items,
        seconds(request.body.lease_seconds),
      );
      return {
        data: results.map((r, i) =>
          'error' in r
            ? { id: items[i]!.id, problem: problemBody(r.error, request.id) }
            : { id: items[i]!.id, lease_expires_at: toIso(r.expiresAt)!, cancel_requested: r.cancelRequested },
        ),
      };
    },
  );

  app.post(
    '/v1/worker/completions',
    {
      config,
      schema: {
        tags,
        summary: 'Finish many jobs at once, and claim the next ones',
        description: `Up to ${claims.MAX_CLAIM} jobs, each with its lease token; written together per claim. Each item answers its outcome or its own problem (that job is left unchanged). With \`claim\`, the call then claims up to \`claim.limit\` jobs as \`POST /v1/worker/claims\` does without waiting, and answers them in \`claimed\`: one call per batch instead of two. A claim the token may not make (\`403\`) or a malformed one (\`422\`) refuses the whole call, nothing completed.`,
        body: CompletionsBody,
        response: { 200: CompletionsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { data: items, claim } = request.body;
      listedOnce(items);
      // A claim the token may not make is refused before anything is written.
      if (claim !== undefined) claims.checkTypes(request.principal!, claim.types);
      const results = await reports.completeRemote(
        services,
        request.principal!,
        items.map((item) => ({ id: item.id, lease: item.lease, output: item.output ?? null })),
      );
      // Claimed after the completions are written, so jobs they released can be among the next ones.
      const claimed =
        claim === undefined
          ? undefined
          : await claims.claimRemote(services, request.principal!, {
              worker: claim.worker,
              types: claim.types,
              limit: claim.limit,
              leaseMs: seconds(claim.lease_seconds),
              waitMs: 0,
            });
      return {
        data: results.map((r, i) =>
          'outcome' in r
            ? { id: items[i]!.id, outcome: r.outcome }
            : { id: items[i]!.id, problem: problemBody(r.error, request.id) },
        ),
        ...(claimed !== undefined ? { claimed: claimed.map(claimedJob) } : {}),
      };
    },
  );
}

/** A claimed job as the worker protocol answers it. */
export function claimedJob(c: claims.RemoteClaim): Static<typeof ClaimedJobSchema> {
  return {
    id: c.job.id,
    type: c.job.type,
    input: c.job.input,
    attempt: c.job.attempts,
    max_attempts: c.job.maxAttempts,
    timeout_ms: c.timeoutMs,
    lease: { token: c.lease.token, expires_at: toIso(c.lease.expiresAt)! },
  };
}

/** A 400 naming the item that lists a job a second time. */
function listedOnce(items: { id: string }[]): void {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const id = item.id.toLowerCase();
    if (seen.has(id))
      throw new AppError('bad_request', `Job ${item.id} is listed twice.`, {
        errors: [{ pointer: `#/data/${i}/id`, detail: 'is listed twice' }],
      });
    seen.add(id);
  }
}
