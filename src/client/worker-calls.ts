import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ApiError, type JoblineClient } from './client.js';

// The worker protocol's calls (docs/workers.md), as a remote worker makes them, and the batching of
// completions: jobs that finish while a completion call is under way go together in the next one.

export interface ClaimedJob {
  id: string;
  type: string;
  input: unknown;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  lease: { token: string; expires_at: string };
}

export type Outcome = 'succeeded' | 'failed' | 'retrying' | 'cancelled';

/** A claim sent with a completion call: the next jobs come back in its answer. */
export interface NextClaim {
  worker: string;
  types: string[];
  limit: number;
  lease_seconds: number;
}

/**
 * What a completion call may claim: `next(reporting)` gives the claim to send with a call completing
 * `reporting` jobs (or none), and `claimed` takes its answer (no jobs when the call failed).
 */
export interface ClaimsWithCompletions {
  next(reporting: number): NextClaim | undefined;
  claimed(claim: NextClaim, jobs: ClaimedJob[]): void;
}

/** The lease is not the job's any more (it expired, timed out or was claimed again): drop the job. */
export const isLeaseLost = (error: unknown): boolean => error instanceof ApiError && error.status === 409;

const path = (id: string, what: string): string => `/v1/worker/jobs/${encodeURIComponent(id)}/${what}`;

export class WorkerCalls {
  constructor(private readonly client: JoblineClient) {}

  async claim(
    body: { worker: string; types: string[]; limit: number; wait: number; lease_seconds: number },
    signal: AbortSignal,
  ): Promise<ClaimedJob[]> {
    return (await this.client.request<{ data: ClaimedJob[] }>('POST', '/v1/worker/claims', body, {}, signal)).data;
  }

  heartbeat(job: ClaimedJob, leaseSeconds: number): Promise<{ lease_expires_at: string; cancel_requested: boolean }> {
    return this.client.request('POST', path(job.id, 'heartbeat'), {
      lease: job.lease.token,
      lease_seconds: leaseSeconds,
    });
  }

  /** Heartbeats of several jobs in one call (at most 100): each answers on its own. */
  async heartbeats(
    jobs: ClaimedJob[],
    leaseSeconds: number,
  ): Promise<({ cancel_requested: boolean } | { problem: ApiError })[]> {
    const answer = await this.client.request<{
      data: { cancel_requested?: boolean; problem?: ApiError['problem'] & { status?: number } }[];
    }>('POST', '/v1/worker/heartbeats', {
      lease_seconds: leaseSeconds,
      data: jobs.map((job) => ({ id: job.id, lease: job.lease.token })),
    });
    return answer.data.map((r) =>
      r.problem === undefined
        ? { cancel_requested: r.cancel_requested === true }
        : { problem: new ApiError(r.problem.status ?? 500, r.problem) },
    );
  }

  async progress(job: ClaimedJob, percent: number, message?: string): Promise<void> {
    await this.client.request('POST', path(job.id, 'progress'), {
      lease: job.lease.token,
      percent,
      ...(message !== undefined ? { message } : {}),
    });
  }

  async fail(job: ClaimedJob, error: { message: string; code?: string }, retryable: boolean): Promise<Outcome> {
    return (
      await this.client.request<{ outcome: Outcome }>('POST', path(job.id, 'fail'), {
        lease: job.lease.token,
        error,
        retryable,
      })
    ).outcome;
  }

  async release(job: ClaimedJob): Promise<void> {
    await this.client.request('POST', path(job.id, 'release'), { lease: job.lease.token });
  }

  /** Completes jobs; with `claim`, the same call claims the next jobs (without waiting). */
  async complete(
    items: { job: ClaimedJob; output: unknown }[],
    claim?: NextClaim,
  ): Promise<{ results: ({ outcome: Outcome } | { problem: ApiError })[]; claimed: ClaimedJob[] }> {
    const body = {
      data: items.map(({ job, output }) => ({ id: job.id, lease: job.lease.token, output: output ?? null })),
      ...(claim !== undefined ? { claim } : {}),
    };
    const answer = await this.client.request<{
      data: { outcome?: Outcome; problem?: ApiError['problem'] & { status?: number } }[];
      claimed?: ClaimedJob[];
    }>('POST', '/v1/worker/completions', body);
    return {
      results: answer.data.map((r) =>
        r.outcome !== undefined
          ? { outcome: r.outcome }
          : { problem: new ApiError(r.problem?.status ?? 500, r.problem ?? {}) },
      ),
      claimed: answer.claimed ?? [],
    };
  }

  /** Uploads an output file; the bytes are read into memory first, so the upload has a known length. */
  async writeFile(
    job: ClaimedJob,
    name: string,
    data: Readable | Buffer | string,
    contentType = 'application/octet-stream',
  ): Promise<{ name: string; size: number; sha256: string }> {
    const bytes =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.concat(await Readable.from(data).toArray());
    const parsed = await this.client.upload<{ name: string; size: number; sha256?: string }>(
      'PUT',
      path(job.id, `files/${encodeURIComponent(name)}`),
      bytes,
      { 'jobline-lease': job.lease.token, 'content-type': contentType },
    );
    return {
      name: parsed.name,
      size: parsed.size,
      sha256: parsed.sha256 ?? createHash('sha256').update(bytes).digest('hex'),
    };
  }
}

/**
 * Collects completions and sends them in one call per batch (at most 100 jobs a call), each call
 * claiming the next jobs as `claims` asks.
 */
export class CompletionBatcher {
  private pending: {
    job: ClaimedJob;
    output: unknown;
    done: (r: { outcome: Outcome } | { problem: unknown }) => void;
  }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly calls: WorkerCalls,
    private readonly claims?: ClaimsWithCompletions,
  ) {}

  complete(job: ClaimedJob, output: unknown): Promise<{ outcome: Outcome } | { problem: unknown }> {
    return new Promise((done) => {
      this.pending.push({ job, output, done });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the jobs that finish in the same turn join this batch.
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 100);
      const claim = this.claims?.next(batch.length);
      try {
        const { results, claimed } = await this.calls.complete(batch, claim);
        // The next jobs are counted before the finished ones leave, so no slot looks free meanwhile.
        if (claim !== undefined) this.claims!.claimed(claim, claimed);
        batch.forEach((item, i) => item.done(results[i]!));
      } catch (problem) {
        if (claim !== undefined) this.claims!.claimed(claim, []);
        for (const item of batch) item.done({ problem });
      }
    }
    this.flushing = undefined;
  }
}
