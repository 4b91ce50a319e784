import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { Readable } from 'node:stream';
import * as queue from '../store/queue.js';
import type { Services } from './context.js';
import { completeLeased } from './remote-completions.js';
import { issuedLeases } from './issued-leases.js';
import { writeJobFile, type FileInfo } from './files.js';
import {
  finishFailed,
  held,
  heldAll,
  lostMeanwhile,
  type Held,
  type Outcome,
  type RemoteError,
} from './worker-leases.js';

// What a remote worker reports on the jobs it holds (docs/workers.md): heartbeats, progress, files,
// completion, failure and release, each checked against the job's lease first (worker-leases.ts) and
// written by the same store functions as the in-process worker's.

export type { Outcome, RemoteError } from './worker-leases.js';

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

/**
 * Heartbeats of many jobs at once (a worker running several): one lease renewal per lease owner. Each
 * item answers its new expiry and whether its job was cancelled, or its own error (that lease unchanged).
 */
export async function heartbeats(
  services: Services,
  principal: Principal,
  items: { id: string; lease: string }[],
  leaseMs: number,
): Promise<({ expiresAt: number; cancelRequested: boolean } | { error: AppError })[]> {
  const jobs = await heldAll(services, principal, items);
  const byOwner = new Map<string, string[]>();
  for (const job of jobs)
    if (!(job instanceof AppError)) byOwner.set(job.owner, [...(byOwner.get(job.owner) ?? []), job.id]);
  const now = services.clock.now();
  const statuses = new Map<string, string>();
  for (const [owner, ids] of byOwner)
    for (const [id, status] of await queue.renewLeases(services.store, owner, ids, leaseMs, now))
      statuses.set(id, status);
  return jobs.map((job) => {
    if (job instanceof AppError) return { error: job };
    const status = statuses.get(job.id);
    if (status === undefined) return { error: lostMeanwhile(job.id) };
    return { expiresAt: now + leaseMs, cancelRequested: status === 'cancelling' };
  });
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

export interface Completion {
  id: string;
  lease: string;
  output: unknown;
}

/**
 * Completes jobs, each under its own lease, in one write with the completions of other calls arriving
 * at the same time (remote-completions.ts). A job whose cancellation was requested meanwhile ends
 * cancelled, as in-process. Each item answers its outcome or its error; one bad item changes nothing
 * of the others.
 */
export async function completeRemote(
  services: Services,
  principal: Principal,
  items: Completion[],
): Promise<({ outcome: Outcome } | { error: AppError })[]> {
  const results: ({ outcome: Outcome } | { error: AppError })[] = [];
  const valid: { index: number; job: Held; output: unknown }[] = [];
  const issued = issuedLeases(services);
  const jobs = await heldAll(services, principal, items, issued);
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
      valid.push({ index, job, output: item.output });
      results[index] = { outcome: 'succeeded' };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results[index] = { error };
    }
  }
  if (valid.length === 0) return results;
  const done = await completeLeased(
    services,
    valid.map((v) => ({
      owner: v.job.owner,
      attempt: { jobId: v.job.id, number: v.job.attempt, startedAt: v.job.startedAt, outcome: 'succeeded' },
      output: v.output ?? null,
    })),
  );
  for (const v of valid) {
    issued.forget(v.job.id);
    if (done.has(v.job.id)) continue;
    const attempt: queue.Attempt = {
      jobId: v.job.id,
      number: v.job.attempt,
      startedAt: v.job.startedAt,
      outcome: 'cancelled',
    };
    results[v.index] = (await queue.confirmCancelled(services.store, v.job.owner, attempt, services.clock.now()))
      ? { outcome: 'cancelled' }
      : { error: lostMeanwhile(v.job.id) };
  }
  return results;
}

export async function complete(services: Services, principal: Principal, item: Completion): Promise<Outcome> {
  const [result] = await completeRemote(services, principal, [item]);
  if ('error' in result!) throw result.error;
  return result!.outcome;
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
  issuedLeases(services).forget(id);
  return finishFailed(services, job, error, retryable, 'failed');
}

/** Gives the job back to the queue without counting the attempt (the worker is shutting down). */
export async function release(services: Services, principal: Principal, id: string, leaseToken: string): Promise<void> {
  const job = await held(services, principal, id, leaseToken);
  issuedLeases(services).forget(id);
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
