import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import { retryDelay } from '../core/backoff.js';
import * as queue from '../store/queue.js';
import type { Services } from './context.js';
import type { IssuedLeases } from './issued-leases.js';

// Workers in any language run jobs over HTTP (docs/workers.md) through the same store functions as the
// in-process worker (src/engine/worker.ts): the claim, lease renewal, progress, completion, failure and
// release are those of src/store/queue.ts, so attempts, backoff, lease expiry, dependencies, events and
// webhooks behave alike. What differs is who holds the lease: each claim gets its own lease owner,
// `<worker>#<hash of a random secret>`, and the worker gets the secret inside its opaque lease token.
// Every later call presents the token; the store's writes are guarded by lease_owner, so a worker whose
// lease expired and whose job was claimed again (a new owner) changes nothing.
// This file holds the lease tokens and the check every call after the claim makes (held, heldAll);
// worker-claims.ts claims, worker-reports.ts takes the worker's reports.

export interface Lease {
  token: string;
  expiresAt: number;
}

const LEASE_TOKEN = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/;

function ownerOf(worker: string, secret: string): string {
  return `${worker}#${createHash('sha256').update(secret).digest('base64url').slice(0, 22)}`;
}

export function newLease(worker: string): { owner: string; token: string } {
  const secret = randomBytes(32).toString('base64url');
  return { owner: ownerOf(worker, secret), token: `${Buffer.from(worker).toString('base64url')}.${secret}` };
}

/** The lease owner a token stands for, or a 400 for a token this server could not have issued. */
function ownerOfToken(token: string): string {
  const m = LEASE_TOKEN.exec(token);
  if (m === null)
    throw new AppError('bad_request', 'The lease token is malformed; send the `lease.token` of the claim.', {
      errors: [{ pointer: '#/lease', detail: 'is not a lease token' }],
    });
  return ownerOf(Buffer.from(m[1]!, 'base64url').toString(), m[2]!);
}

function sameOwner(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Held {
  id: string;
  type: string;
  owner: string;
  attempt: number;
  maxAttempts: number;
  startedAt: number;
  timeoutMs: number | null;
}

/**
 * The job as held under this lease token: 404 when the job is not one this token could work on,
 * 409 when the lease is not (or no longer) this token's. An attempt past its timeout is failed here,
 * as the in-process worker fails it, and answers 409 too.

 */
export async function held(services: Services, principal: Principal, id: string, leaseToken: string): Promise<Held> {
  const [job] = await heldAll(services, principal, [{ id, lease: leaseToken }]);
  if (job instanceof AppError) throw job;
  return job!;
}

/**
 * `held` for many jobs with one read: each item's job, or its error. With `issued`, a job whose lease
 * this process issued to this token is taken as claimed, without the read (issued-leases.ts): only for
 * writes the lease owner guards.
 */
export async function heldAll(
  services: Services,
  principal: Principal,
  items: { id: string; lease: string }[],
  issued?: IssuedLeases,
): Promise<(Held | AppError)[]> {
  // The jobs of one claim share its token: each distinct token is hashed once.
  const byToken = new Map<string, string | AppError>();
  const owners = items.map((item) => {
    let owner = byToken.get(item.lease);
    if (owner === undefined) {
      try {
        owner = ownerOfToken(item.lease);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        owner = error;
      }
      byToken.set(item.lease, owner);
    }
    return owner;
  });
  const now = services.clock.now();
  const known = items.map(({ id }, index) => {
    const owner = owners[index]!;
    const job = issued?.get(id, principal.workspaceId);
    if (job === undefined || owner instanceof AppError || !sameOwner(job.owner, owner)) return undefined;
    if (principal.jobTypes !== undefined && !principal.jobTypes.includes(job.type)) return undefined;
    // An attempt past its timeout is ended by the read's path below.
    return job.timeoutMs === null || now - job.startedAt < job.timeoutMs ? job : undefined;
  });
  const ids = [...new Set(items.filter((_, index) => known[index] === undefined).map((item) => item.id))];
  if (ids.length === 0) return known as Held[];
  const rows = await services.store.db
    .selectFrom('jobs')
    .select([
      'id',
      'type',
      'status',
      'lease_owner',
      'attempts',
      'max_attempts',
      'attempt_started_at',
      'timeout_ms',
      'executor',
      'workspace_id',
    ])
    // One bound list whatever the batch's size: one statement text for every batch. By id alone, so
    // the primary key finds the rows: with the workspace in the condition too, a planner without
    // statistics yet (a new table) scanned the whole workspace's jobs instead. The workspace is
    // checked below.
    .where(services.store.dialect.oneOf(sql.ref('id'), ids, 'uuid'))
    .execute();
  const byId = new Map(rows.filter((row) => row.workspace_id === principal.workspaceId).map((row) => [row.id, row]));
  const result: (Held | AppError)[] = [];
  for (const [index, { id }] of items.entries()) {
    const owner = owners[index]!;
    const row = byId.get(id);
    if (known[index] !== undefined) result.push(known[index]);
    else if (owner instanceof AppError) result.push(owner);
    else if (
      row === undefined ||
      row.executor !== 'worker' ||
      (principal.jobTypes !== undefined && !principal.jobTypes.includes(row.type))
    )
      result.push(notFound('job', id));
    else if (!sameOwner(row.lease_owner, owner))
      result.push(
        new AppError(
          'lease_lost',
          `This lease does not hold job ${id}: it expired and the job went back to the queue, was claimed again, or was never claimed with it. Stop working on it.`,
          { extra: { job_status: row.status } },
        ),
      );
    else {
      const job: Held = {
        id,
        type: row.type,
        owner,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        startedAt: row.attempt_started_at ?? now,
        timeoutMs: row.timeout_ms ?? services.registry.get(row.type)?.timeoutMs ?? null,
      };
      if (job.timeoutMs === null || now - job.startedAt < job.timeoutMs) result.push(job);
      else {
        await finishFailed(
          services,
          job,
          { message: `The attempt timed out after ${job.timeoutMs} ms.`, code: 'timeout' },
          true,
          'timed_out',
        );
        result.push(
          new AppError(
            'lease_lost',
            `The attempt on job ${id} timed out after ${job.timeoutMs} ms; it was ended as the job's timeout says. Stop working on it.`,
            { extra: { job_status: row.status, reason: 'timed_out' } },
          ),
        );
      }
    }
  }
  return result;
}

export interface RemoteError {
  message: string;
  code?: string | undefined;
}

export type Outcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled';

export async function finishFailed(
  services: Services,
  job: Held,
  error: RemoteError,
  retryable: boolean,
  outcome: 'failed' | 'timed_out',
): Promise<Outcome> {
  const now = services.clock.now();
  const retry = retryable && job.attempt < job.maxAttempts;
  const attempt: queue.Attempt = { jobId: job.id, number: job.attempt, startedAt: job.startedAt, outcome: 'succeeded' };
  const failure: queue.Failure = {
    attempt: { ...attempt, outcome, error: { message: error.message, code: error.code } },
    retryAt: retry ? now + retryDelay(job.attempt, services.registry.get(job.type)?.backoff) : undefined,
    exhausted: !retry && retryable,
  };
  if (await queue.failJob(services.store, job.owner, failure, now)) return retry ? 'retrying' : 'failed';
  // Cancel requested while the worker was failing: the job ends cancelled rather than failed.
  if (await queue.confirmCancelled(services.store, job.owner, { ...attempt, outcome: 'cancelled' }, now))
    return 'cancelled';
  throw lostMeanwhile(job.id);
}

export const lostMeanwhile = (id: string): AppError =>
  new AppError(
    'lease_lost',
    `The lease on job ${id} was lost while this request ran (it expired, or the job was cancelled and ended). Stop working on it.`,
  );
