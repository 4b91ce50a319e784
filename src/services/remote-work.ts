import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import type { ClaimedJob } from '../core/job.js';
import { retryDelay } from '../core/backoff.js';
import type { Readable } from 'node:stream';
import * as queue from '../store/queue.js';
import type { Services } from './context.js';
import { writeJobFile, type FileInfo } from './files.js';

// Workers in any language run jobs over HTTP (docs/workers.md) through the same store functions as the
// in-process worker (src/engine/worker.ts): the claim, lease renewal, progress, completion, failure and
// release are those of src/store/queue.ts, so attempts, backoff, lease expiry, dependencies, events and
// webhooks behave alike. What differs is who holds the lease: each claim gets its own lease owner,
// `<worker>#<hash of a random secret>`, and the worker gets the secret inside its opaque lease token.
// Every later call presents the token; the store's writes are guarded by lease_owner, so a worker whose
// lease expired and whose job was claimed again (a new owner) changes nothing.

export const MAX_CLAIM = 100;
export const MAX_WAIT_SECONDS = 30;
export const DEFAULT_LEASE_SECONDS = 60;
export const MAX_LEASE_SECONDS = 3600;

/** How often claims look for expired leases, so jobs of dead remote workers return without an in-process worker. */
const REAP_EVERY_MS = 1000;
/** Within a long poll, how often to look again without a wake-up (jobs whose retry time came). */
const POLL_MS = 1000;

export interface Lease {
  token: string;
  expiresAt: number;
}

export interface RemoteClaim {
  job: ClaimedJob;
  timeoutMs: number | null;
  lease: Lease;
}

const LEASE_TOKEN = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/;

function ownerOf(worker: string, secret: string): string {
  return `${worker}#${createHash('sha256').update(secret).digest('base64url').slice(0, 22)}`;
}

function newLease(worker: string): { owner: string; token: string } {
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

/** The types a worker token may claim, or a 403 naming those outside it. */
function checkTypes(principal: Principal, types: string[]): void {
  if (principal.jobTypes === undefined) return;
  const outside = types.filter((t) => !principal.jobTypes!.includes(t));
  if (outside.length > 0) {
    throw new AppError(
      'forbidden',
      `This token may claim only jobs of type ${principal.jobTypes.join(', ')}; not ${outside.join(', ')}.`,
      {
        extra: { allowed_job_types: principal.jobTypes },
      },
    );
  }
}

const lastReap = new WeakMap<Services, number>();

async function reapIfDue(services: Services): Promise<void> {
  const now = services.clock.now();
  if (now - (lastReap.get(services) ?? -Infinity) < REAP_EVERY_MS) return;
  lastReap.set(services, now);
  const counts = await queue.reapExpiredLeases(services.store, now);
  if (counts.requeued > 0) services.wakeups.jobsAdded();
}

export interface ClaimRequest {
  worker: string;
  types: string[];
  limit: number;
  leaseMs: number;
  /** How long to wait for a job when none is runnable now. */
  waitMs: number;
  /** Ends the wait early (the client went away). */
  signal?: AbortSignal | undefined;
}

/**
 * Claims up to `limit` runnable jobs of these types in the token's workspace, waiting up to `waitMs`
 * for one: a job created or released wakes the wait at once (in this process, or any process on
 * PostgreSQL through LISTEN/NOTIFY, src/store/wakeups.ts).
 */
export async function claimRemote(services: Services, principal: Principal, r: ClaimRequest): Promise<RemoteClaim[]> {
  checkTypes(principal, r.types);
  let woken = false;
  let wake: (() => void) | undefined;
  const unsubscribe = services.wakeups.onJobsAdded(() => {
    woken = true;
    wake?.();
  });
  const deadline = Date.now() + r.waitMs;
  try {
    for (;;) {
      woken = false;
      await reapIfDue(services);
      const lease = newLease(r.worker);
      const now = services.clock.now();
      const jobs = await queue.claimJobs(services.store, {
        workerId: lease.owner,
        types: r.types,
        limit: r.limit,
        leaseMs: r.leaseMs,
        now,
        workspaceId: principal.workspaceId,
      });
      if (jobs.length > 0) {
        return jobs.map((job) => ({
          job,
          timeoutMs: job.timeoutMs ?? services.registry.get(job.type)?.timeoutMs ?? null,
          lease: { token: lease.token, expiresAt: now + r.leaseMs },
        }));
      }
      const left = deadline - Date.now();
      if (left <= 0 || r.signal?.aborted === true) return [];
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(POLL_MS, left));
          r.signal?.addEventListener('abort', done, { once: true });
          wake = done;
          function done(): void {
            clearTimeout(timer);
            r.signal?.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          }
        });
      }
    }
  } finally {
    unsubscribe();
  }
}

interface Held {
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
async function held(services: Services, principal: Principal, id: string, leaseToken: string): Promise<Held> {
  const [job] = await heldAll(services, principal, [{ id, lease: leaseToken }]);
  if (job instanceof AppError) throw job;
  return job!;
}

/** `held` for many jobs with one read: each item's job, or its error. */
async function heldAll(
  services: Services,
  principal: Principal,
  items: { id: string; lease: string }[],
): Promise<(Held | AppError)[]> {
  const owners = items.map((item) => {
    try {
      return ownerOfToken(item.lease);
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
  });
  const ids = [...new Set(items.map((item) => item.id))];
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
    ])
    .where('id', 'in', ids)
    .where('workspace_id', '=', principal.workspaceId)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const now = services.clock.now();
  const result: (Held | AppError)[] = [];
  for (const [index, { id }] of items.entries()) {
    const owner = owners[index]!;
    const row = byId.get(id);
    if (owner instanceof AppError) result.push(owner);
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

export async function heartbeat(
  services: Services,
  principal: Principal,
  id: string,
  leaseToken: string,
  leaseMs: number,
): Promise<{ expiresAt: number; cancelRequested: boolean }> {
  const job = await held(services, principal, id, leaseToken);
  const now = services.clock.now();
  const status = (await queue.renewLeases(services.store, job.owner, [id], leaseMs, now)).get(id);
  if (status === undefined) throw lostMeanwhile(id);
  return { expiresAt: now + leaseMs, cancelRequested: status === 'cancelling' };
}

export async function progress(
  services: Services,
  principal: Principal,
  id: string,
  leaseToken: string,
  percent: number,
  message: string | null,
): Promise<void> {
  const job = await held(services, principal, id, leaseToken);
  if (!(await queue.reportProgress(services.store, job.owner, id, percent, message, services.clock.now())))
    throw lostMeanwhile(id);
}

export type Outcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled';

export interface Completion {
  id: string;
  lease: string;
  output: unknown;
}

/**
 * Completes jobs, each under its own lease: one completeJobs call per lease owner, so a batch from one
 * claim is one write. A job whose cancellation was requested meanwhile ends cancelled, as in-process.
 * Each item answers its outcome or its error; one bad item changes nothing of the others.
 */
export async function completeRemote(
  services: Services,
  principal: Principal,
  items: Completion[],
): Promise<({ outcome: Outcome } | { error: AppError })[]> {
  const results: ({ outcome: Outcome } | { error: AppError })[] = [];
  const byOwner = new Map<string, { index: number; job: Held; output: unknown }[]>();
  const jobs = await heldAll(services, principal, items);
  for (const [index, item] of items.entries()) {
    try {
      const job = jobs[index]!;
      if (job instanceof AppError) throw job;
      const invalid = services.registry.validateOutput(job.type, item.output);
      if (invalid !== undefined)
        throw new AppError(
          'validation_failed',
          `The output does not match job type ${job.type}'s output schema: ${invalid}`,
          { errors: [{ pointer: '#/output', detail: invalid }] },
        );
      const group = byOwner.get(job.owner) ?? [];
      group.push({ index, job, output: item.output });
      byOwner.set(job.owner, group);
      results[index] = { outcome: 'succeeded' };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results[index] = { error };
    }
  }
  let released = 0;
  for (const [owner, group] of byOwner) {
    const written = await queue.completeJobs(
      services.store,
      owner,
      group.map((g) => ({
        attempt: { jobId: g.job.id, number: g.job.attempt, startedAt: g.job.startedAt, outcome: 'succeeded' },
        output: g.output ?? null,
      })),
      services.clock.now(),
    );
    released += written.released;
    const done = new Set(written.done);
    for (const g of group) {
      if (done.has(g.job.id)) continue;
      const attempt: queue.Attempt = {
        jobId: g.job.id,
        number: g.job.attempt,
        startedAt: g.job.startedAt,
        outcome: 'cancelled',
      };
      results[g.index] = (await queue.confirmCancelled(services.store, owner, attempt, services.clock.now()))
        ? { outcome: 'cancelled' }
        : { error: lostMeanwhile(g.job.id) };
    }
  }
  if (released > 0) services.wakeups.jobsAdded(); // dependents became runnable
  return results;
}

export async function complete(services: Services, principal: Principal, item: Completion): Promise<Outcome> {
  const [result] = await completeRemote(services, principal, [item]);
  if ('error' in result!) throw result.error;
  return result!.outcome;
}

export interface RemoteError {
  message: string;
  code?: string | undefined;
}

/** A failed attempt: retried after the type's backoff while attempts are left, unless `retryable` is false. */
export async function fail(
  services: Services,
  principal: Principal,
  id: string,
  leaseToken: string,
  error: RemoteError,
  retryable: boolean,
): Promise<Outcome> {
  const job = await held(services, principal, id, leaseToken);
  return finishFailed(services, job, error, retryable, 'failed');
}

async function finishFailed(
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

/** Gives the job back to the queue without counting the attempt (the worker is shutting down). */
export async function release(services: Services, principal: Principal, id: string, leaseToken: string): Promise<void> {
  const job = await held(services, principal, id, leaseToken);
  await queue.releaseJobs(services.store, job.owner, [id], services.clock.now());
  services.wakeups.jobsAdded();
}

/**
 * Stores an output file of the job, as a handler's ctx.writeFile (the same name again replaces it).
 * The lease is checked before the bytes are read and again in the transaction that records the file,
 * so a worker that lost its lease meanwhile leaves no file behind.
 */
export async function writeFile(
  services: Services,
  principal: Principal,
  id: string,
  leaseToken: string,
  file: { name: string; contentType: string; source: Readable },
): Promise<FileInfo> {
  const job = await held(services, principal, id, leaseToken);
  return writeJobFile(
    services,
    { id, workspaceId: principal.workspaceId },
    file.name,
    file.contentType,
    file.source,
    async (trx) => {
      const still = await trx
        .selectFrom('jobs')
        .select('id')
        .where('id', '=', id)
        .where('lease_owner', '=', job.owner)
        .where('status', 'in', ['running', 'cancelling'])
        .executeTakeFirst();
      if (still === undefined) throw lostMeanwhile(id);
    },
  );
}

const lostMeanwhile = (id: string): AppError =>
  new AppError(
    'lease_lost',
    `The lease on job ${id} was lost while this request ran (it expired, or the job was cancelled and ended). Stop working on it.`,
  );
