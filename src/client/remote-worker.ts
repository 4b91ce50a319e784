import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { NonRetryableError, type JobContext, type JobDefinition } from '../engine/define-job.js';
import { ApiError, JoblineClient } from './client.js';
import { Heartbeats } from './heartbeats.js';
import { JobSlots } from './job-slots.js';
import { CompletionBatcher, isLeaseLost, WorkerCalls, type ClaimedJob } from './worker-calls.js';

// Runs `defineJob` handlers in any process that can reach a Jobline server over HTTP, through the worker
// protocol of docs/workers.md: the same handlers `jobline worker --jobs` runs next to the database.

export interface RemoteWorkerOptions {
  /** The server, e.g. http://localhost:3000. */
  url: string;
  /** A token with the `jobs:work` scope (limited to these job types, or to none). */
  token: string;
  jobs: JobDefinition[];
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /**
   * Jobs claimed ahead of free slots and held, leased, until one frees (default 0), as the in-process
   * worker's `prefetch`: fewer, larger claims and completions for many short jobs. A held job's timeout
   * counts from its claim, as the server counts it.
   */
  prefetch?: number;
  /** Recorded in each attempt (default host:pid). */
  name?: string;
  /** Stop: claim no more, let running jobs finish within `graceMs`, then release the rest. */
  signal?: AbortSignal;
  /** Lease of each claim (default 60); heartbeats go at a third of it. */
  leaseSeconds?: number;
  /** Long poll of each claim (default 20, at most 30). */
  waitSeconds?: number;
  /** How long running jobs may go on after `signal` fires before they are aborted and released (default 30 000). */
  graceMs?: number;
  log?: Logger;
}

type Stop = 'cancelled' | 'timed_out' | 'lease_lost' | 'shutdown';

/** The most jobs one claim may ask for (the server's limit, docs/workers.md). */
const MAX_CLAIM = 100;

/**
 * Claims jobs of the given types and runs their handlers until `signal` fires. Resolves once every
 * claimed job is reported (completed, failed or released); rejects when the server refuses the token.
 */
export async function runRemoteWorker(options: RemoteWorkerOptions): Promise<void> {
  const url = options.url.replace(/\/+$/, '');
  const calls = new WorkerCalls(new JoblineClient(url, options.token));
  const byType = new Map(options.jobs.map((j) => [j.type, j]));
  const types = [...byType.keys()];
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const holding = concurrency + Math.max(0, options.prefetch ?? 0);
  const slots = new JobSlots(concurrency);
  const leaseSeconds = options.leaseSeconds ?? 60;
  const name = options.name ?? `${hostname().replace(/[^A-Za-z0-9._:@/-]/g, '-')}:${process.pid}`;
  const log = options.log ?? pino({ name: 'jobline-remote-worker' });
  const heartbeats = new Heartbeats(calls, leaseSeconds, log);
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const aborts = new Set<(reason: Stop) => void>();
  let jobReported: () => void = () => {};
  const onStop = (): void => {
    stopping.abort();
    slots.close();
    jobReported();
    // Jobs still running after the grace period are aborted and given back to the queue.
    setTimeout(() => aborts.forEach((stop) => stop('shutdown')), options.graceMs ?? 30_000).unref();
  };
  if (options.signal?.aborted === true) onStop();
  else options.signal?.addEventListener('abort', onStop, { once: true });

  // Jobs asked for by claims under way: with the jobs held, never more than `holding`.
  let asked = 0;
  const start = (claimed: ClaimedJob[]): void => {
    for (const job of claimed) {
      const p: Promise<void> = runJob(job).finally(() => {
        running.delete(p);
        jobReported();
      });
      running.add(p);
    }
  };
  // A completion call claims the next jobs for the slots its jobs free, so a busy worker makes one
  // call per batch; the loop below claims (with a long poll) only when that left slots empty.
  const batcher = new CompletionBatcher(calls, {
    next(reporting) {
      if (stopping.signal.aborted) return undefined;
      const limit = Math.min(MAX_CLAIM, holding - (running.size - reporting) - asked);
      if (limit <= 0) return undefined;
      asked += limit;
      return { worker: name, types, limit, lease_seconds: leaseSeconds };
    },
    claimed(claim, jobs) {
      asked -= claim.limit;
      start(jobs);
      jobReported();
    },
  });
  const runJob = async (job: ClaimedJob): Promise<void> => {
    const definition = byType.get(job.type)!;
    // Created when the handler first reads its signal: most short handlers never do.
    let abort: AbortController | undefined;
    let stopped: Stop | undefined;
    const stop = (reason: Stop): void => {
      if (stopped !== undefined) return;
      stopped = reason;
      abort?.abort(reason);
    };
    aborts.add(stop);
    heartbeats.add({ job, stop });
    const timeout = job.timeout_ms === null ? undefined : setTimeout(() => stop('timed_out'), job.timeout_ms);
    const lost = (error: unknown): never => {
      if (isLeaseLost(error)) stop('lease_lost');
      throw error;
    };
    let jobLog: Logger | undefined;
    const ctx: JobContext<unknown> = {
      input: job.input,
      jobId: job.id,
      attempt: job.attempt,
      get signal() {
        abort ??= new AbortController();
        if (stopped !== undefined && !abort.signal.aborted) abort.abort(stopped);
        return abort.signal;
      },
      get log() {
        return (jobLog ??= log.child({ job: job.id, type: job.type }));
      },
      progress: (percent, message) => calls.progress(job, percent, message).catch(lost),
      writeFile: (fileName, data, contentType) => calls.writeFile(job, fileName, data, contentType).catch(lost),
      readFile: () =>
        Promise.reject(
          new Error(
            'readFile is not available to remote workers: the worker protocol gives no access to workspace files.',
          ),
        ),
      projectId: null,
      workspaceId: '',
    };
    // A job claimed ahead waits for a slot; one stopped before it starts is not run.
    const slot = await slots.acquire();
    if (!slot) stop('shutdown');
    let result: { ok: true; output: unknown } | { ok: false; error: unknown };
    if (stopped !== undefined) {
      if (slot) slots.release();
      result = { ok: false, error: new Error(stopped) };
    } else {
      try {
        result = { ok: true, output: await definition.run(ctx) };
      } catch (error) {
        result = { ok: false, error };
      } finally {
        slots.release();
      }
    }
    heartbeats.delete(job.id);
    clearTimeout(timeout);
    aborts.delete(stop);
    const reason = stopped;
    try {
      if (reason === 'lease_lost') return; // someone else may run it now
      if (reason === 'shutdown') return await calls.release(job);
      if (result.ok) {
        const answer = await batcher.complete(job, result.output);
        if ('outcome' in answer) return;
        if (answer.problem instanceof ApiError && answer.problem.status === 422) {
          // The output does not match the type's schema: the attempt fails, as it does in-process.
          await calls.fail(
            job,
            { message: answer.problem.message.slice(0, 2000) || 'invalid output', code: 'invalid_output' },
            true,
          );
          return;
        }
        if (!isLeaseLost(answer.problem)) log.warn({ err: answer.problem, job: job.id }, 'completion failed');
        return;
      }
      const error = result.error instanceof Error ? result.error : new Error(String(result.error));
      const code = (error as { code?: unknown }).code;
      const message =
        reason === 'timed_out' ? `timed out after ${job.timeout_ms} ms` : error.message.slice(0, 2000) || error.name;
      await calls.fail(
        job,
        { message, ...(typeof code === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(code) ? { code } : {}) },
        !(result.error instanceof NonRetryableError),
      );
    } catch (error) {
      // A 409 here is expected after a timeout or lost lease: the server already recorded the attempt.
      if (!isLeaseLost(error)) log.warn({ err: error, job: job.id }, 'could not report the job');
    }
  };

  let fatal: ApiError | undefined;
  while (!stopping.signal.aborted) {
    const limit = Math.min(MAX_CLAIM, holding - running.size - asked);
    if (limit <= 0) {
      await new Promise<void>((r) => (jobReported = r));
      continue;
    }
    let claimed: ClaimedJob[];
    asked += limit;
    try {
      const body = {
        worker: name,
        types,
        limit,
        wait: Math.min(options.waitSeconds ?? 20, 30),
        lease_seconds: leaseSeconds,
      };
      claimed = await calls.claim(body, stopping.signal);
    } catch (error) {
      if (stopping.signal.aborted) break;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 400)) {
        fatal = error;
        break;
      }
      log.warn({ err: error }, 'claim failed; trying again');
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    } finally {
      asked -= limit;
    }
    start(claimed);
  }
  await Promise.all(running);
  options.signal?.removeEventListener('abort', onStop);
  if (fatal !== undefined) throw fatal;
}
