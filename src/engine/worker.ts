import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';
import { retryDelay } from '../core/backoff.js';
import { traced } from './tracing.js';
import { jobContext } from './context.js';
import { unstorableJson } from '../core/json.js';

function storableProblem(output: unknown): string | undefined {
  const problem = unstorableJson(output, '#/output');
  return problem === undefined ? undefined : `${problem.pointer} ${problem.detail}`;
}
import { NonRetryableError, type JobDefinition } from './define-job.js';

export interface WorkerOptions {
  /** Jobs this worker runs at once, across all types. */
  concurrency?: number;
  /** How long a claimed job stays ours without a heartbeat; a crashed worker's jobs return after this. */
  leaseMs?: number;
  heartbeatMs?: number;
  /** Fallback poll when no wake-up arrives (LISTEN/NOTIFY or in-process signal). */
  pollMs?: number;
  /** How often this worker looks for other workers' expired leases. */
  reapMs?: number;
  /** How often to look for cancel requests, in case a notification was missed (or another process on SQLite). */
  cancelCheckMs?: number;
  /** After a cancel or timeout signal, how long a handler may take to stop before the job is ended anyway. */
  abortGraceMs?: number;
  /** Jobs claimed per query. */
  batchSize?: number;
  /**
   * Jobs claimed ahead of free slots and held (leased, heartbeated) until a slot frees, as
   * graphile-worker's local queue: a worker running many short jobs then claims full batches instead
   * of one job per finished job (it claims again once a full batch, or half the queue, fits). The
   * cost: jobs held here wait for this worker even when another one is idle, so keep it 0 (the
   * default) for long jobs. Jobs of a type with its own concurrency limit are never claimed ahead.
   */
  prefetch?: number;
  logger?: Logger;
  workerId?: string;
}

type StopReason = 'cancel' | 'timeout' | 'shutdown' | 'lease_lost';

interface Running {
  job: ClaimedJob;
  definition: JobDefinition;
  /**
   * The handler's signal and logger, made when the handler first reads them (most never do): creating
   * an AbortController and a child logger for every job was a visible share of a no-op job's time.
   */
  controller: AbortController | undefined;
  log: Logger | undefined;
  /** Why the attempt is being stopped, and the error its signal carries. */
  reason: StopReason | undefined;
  abortError: Error | undefined;
  /** Ends the wait for a handler that ignores its signal (set while the handler runs). */
  abandon: ((error: Error) => void) | undefined;
  /** The handler has settled: the job no longer takes a concurrency slot while its outcome is written. */
  handled: boolean;
  /** The handler was started; until then the job waits in the worker's local queue. */
  started: boolean;
  /** Resolves when the attempt is settled and written (or given up). */
  done: Promise<void>;
}

class TimeoutError extends Error {
  readonly code = 'timeout';
  constructor(ms: number) {
    super(`The attempt timed out after ${ms} ms.`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs the handlers of registered job types: claims runnable jobs in batches, keeps their leases
 * alive, finishes them in batches, retries failures with backoff, enforces timeouts, stops handlers
 * whose job was cancelled (from any process), and returns the jobs of dead workers to the queue.
 */
export class Worker {
  readonly id: string;
  private readonly o: Required<Omit<WorkerOptions, 'logger' | 'workerId'>>;
  private readonly log: Logger;
  /** Jobs this worker holds: handler running, or outcome being written. Their leases are kept alive. */
  private readonly running = new Map<string, Running>();
  /** Claimed ahead (see `prefetch`), in claim order; also in `running`, so their leases are kept alive. */
  private readonly queued: Running[] = [];
  /** Handlers running now: what `concurrency` (and a type's own limit) counts. */
  private handling = 0;
  private readonly perType = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private stopping = false;
  private fetching = false;
  private fetchAgain = false;
  private wakeScheduled = false;
  private successes: queue.Success[] = [];
  private successWaiters: (() => void)[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  /** Slots reserved for new jobs being inserted claimed by this worker (services/handoff.ts), by type. */
  private readonly reservedPerType = new Map<string, number>();
  /** The last claim found no job of this worker's types left, and none was added since: new jobs may be handed over. */
  private drained = false;
  /** Wake-ups for added jobs so far, to tell whether one came while a claim was under way. */
  private added = 0;

  constructor(
    private readonly services: Services,
    options: WorkerOptions = {},
  ) {
    const leaseMs = options.leaseMs ?? 30_000;
    this.o = {
      concurrency: options.concurrency ?? 10,
      leaseMs,
      heartbeatMs: options.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 3)),
      pollMs: options.pollMs ?? 2000,
      reapMs: options.reapMs ?? Math.max(500, Math.floor(leaseMs / 2)),
      cancelCheckMs: options.cancelCheckMs ?? 500,
      abortGraceMs: options.abortGraceMs ?? 500,
      batchSize: options.batchSize ?? 100,
      prefetch: options.prefetch ?? 0,
    };
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ worker: this.id });
  }

  /** Job types this worker handles. */
  get types(): string[] {
    return this.services.registry.types();
  }

  start(): void {
    const { wakeups } = this.services;
    this.unsubscribe.push(
      wakeups.onJobsAdded(() => {
        this.added++;
        this.drained = false;
        this.wake();
      }),
    );
    this.unsubscribe.push(
      this.services.handoff.attach({
        id: this.id,
        leaseMs: this.o.leaseMs,
        reserve: (type) => this.reserve(type),
        settle: (types, jobs) => this.settle(types, jobs),
      }),
    );
    this.unsubscribe.push(wakeups.onCancelRequested((id) => this.stopJob(id, 'cancel')));
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => {
        fn().catch((error: unknown) => this.log.warn({ err: error }, 'background task failed'));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.pollMs, async () => this.wake());
    every(this.o.heartbeatMs, () => this.heartbeat());
    every(this.o.reapMs, () => this.reap());
    every(this.o.cancelCheckMs, () => this.checkCancels());
    this.reap()
      .catch((error: unknown) => this.log.warn({ err: error }, 'reaping expired leases failed'))
      .finally(() => this.wake());
    this.log.info({ types: this.types, concurrency: this.o.concurrency }, 'worker started');
  }

  /**
   * Stops claiming, lets running handlers finish within `deadlineMs`, then signals the rest and
   * gives their jobs back to the queue (their interrupted attempt is not counted).
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const u of this.unsubscribe.splice(0)) u();
    // Jobs claimed ahead never started: they go back to the queue at once, for other workers.
    const queued = this.queued.splice(0);
    for (const q of queued) this.running.delete(q.job.id);
    if (queued.length > 0)
      await queue.releaseJobs(
        this.services.store,
        this.id,
        queued.map((q) => q.job.id),
        this.services.clock.now(),
      );
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    const left = [...this.running.values()];
    for (const r of left) this.abort(r, 'shutdown');
    await this.flush();
    if (left.length > 0) {
      await queue.releaseJobs(
        this.services.store,
        this.id,
        left.map((r) => r.job.id),
        this.services.clock.now(),
      );
      this.log.info({ released: left.length }, 'released unfinished jobs');
    }
    this.running.clear();
  }

  /** Number of jobs being run right now. */
  get busy(): number {
    return this.handling;
  }

  /**
   * Looks for work once the current turn of the event loop is over: handlers that finish together
   * free their slots together, and one claim fills them all.
   */
  private wake(): void {
    if (this.stopping || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.fetchNow();
    });
  }

  private fetchNow(): void {
    if (this.stopping) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = true;
    this.fetch()
      .catch((error: unknown) => this.log.warn({ err: error }, 'claiming jobs failed'))
      .finally(() => {
        this.fetching = false;
        if (this.fetchAgain) {
          this.fetchAgain = false;
          this.fetchNow();
        }
      });
  }

  /**
   * Claims as many jobs as there are free slots (plus `prefetch` ahead), type by type where a type has
   * its own limit. While jobs wait in the local queue, it claims only when a worthwhile batch fits, so a busy
   * worker claims in batches rather than one job per finished job.
   */
  private async fetch(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      const free = this.o.concurrency - this.handling - this.reserved;
      // Jobs whose handler finished but whose outcome is not written yet are still held: beyond one
      // batch of them, wait for the writes, so a database slower than the handlers cannot make the
      // worker claim without bound.
      const room = Math.min(
        free + this.o.prefetch - this.queued.length,
        this.o.concurrency + this.o.prefetch + this.o.batchSize - this.running.size,
      );
      if (room <= 0) return;
      const limit = Math.min(room, this.o.batchSize);
      // Jobs still wait here: hold off until a worthwhile batch fits (a full one, or half the queue).
      if (this.queued.length > 0 && limit < Math.min(this.o.batchSize, Math.max(1, Math.floor(this.o.prefetch / 2))))
        return;
      const open: string[] = [];
      let limited: { type: string; slots: number } | undefined;
      // Limited types this round does not ask for jobs: if any, it cannot tell that none are left.
      let unasked = 0;
      for (const type of this.types) {
        const max = this.services.registry.get(type)!.concurrency;
        if (max === undefined) open.push(type);
        else {
          unasked++;
          const used = (this.perType.get(type) ?? 0) + (this.reservedPerType.get(type) ?? 0);
          if (used < max && limited === undefined) limited = { type, slots: max - used };
        }
      }
      const now = this.services.clock.now();
      const added = this.added;
      const claims = [];
      // Every claim of this round brought fewer jobs than it asked for.
      let exhausted = true;
      if (open.length > 0) {
        claims.push(
          await queue.claimJobs(this.services.store, {
            workerId: this.id,
            types: open,
            limit,
            leaseMs: this.o.leaseMs,
            now,
          }),
        );
        exhausted = claims[0]!.length < limit;
      }
      // A type with its own limit only ever fills free handler slots.
      const slots =
        Math.min(limit, this.o.concurrency - this.handling - this.reserved - this.queued.length) -
        (claims[0]?.length ?? 0);
      if (limited !== undefined && slots > 0) {
        const asked = Math.min(slots, limited.slots);
        claims.push(
          await queue.claimJobs(this.services.store, {
            workerId: this.id,
            types: [limited.type],
            limit: asked,
            leaseMs: this.o.leaseMs,
            now,
          }),
        );
        exhausted &&= claims.at(-1)!.length < asked;
        unasked--;
      }
      const jobs = claims.flat();
      for (const job of jobs) this.hold(job);
      if (jobs.length < limit) {
        // A wake-up during the claim may be for a job it did not see yet.
        this.drained = exhausted && unasked === 0 && this.added === added;
        return;
      }
      this.drained = false;
      // On SQLite every query completes synchronously, so without this the loop, the handlers and
      // their promises could run in one microtask chain and starve timers (heartbeats), I/O and the
      // writes of finished jobs (scheduled with setImmediate).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** A slot for a new job of this type, inserted claimed by this worker (services/handoff.ts): only when idle. */
  private reserve(type: string): boolean {
    const definition = this.services.registry.get(type);
    if (this.stopping || !this.drained || definition === undefined) return false;
    if (this.handling + this.reserved + this.queued.length >= this.o.concurrency) return false;
    const reservedOfType = this.reservedPerType.get(type) ?? 0;
    if (
      definition.concurrency !== undefined &&
      (this.perType.get(type) ?? 0) + reservedOfType >= definition.concurrency
    )
      return false;
    this.reservedPerType.set(type, reservedOfType + 1);
    return true;
  }

  /** Frees the slots reserved for these types and runs the jobs handed over (committed, leased to this worker). */
  private settle(reservedTypes: string[], jobs: ClaimedJob[]): void {
    for (const type of reservedTypes) this.reservedPerType.set(type, this.reservedPerType.get(type)! - 1);
    if (!this.stopping) {
      for (const job of jobs) this.hold(job);
      return;
    }
    // Stopped while they were inserted: they go back to the queue, for other workers.
    if (jobs.length === 0) return;
    queue
      .releaseJobs(
        this.services.store,
        this.id,
        jobs.map((j) => j.id),
        this.services.clock.now(),
      )
      .catch((error: unknown) =>
        this.log.warn({ err: error }, 'releasing jobs handed over during shutdown failed; their leases will expire'),
      );
  }

  /** Slots reserved for new jobs, of every type. */
  private get reserved(): number {
    let sum = 0;
    for (const n of this.reservedPerType.values()) sum += n;
    return sum;
  }

  /** Starts a claimed job if a slot is free, else queues it locally. */
  private hold(job: ClaimedJob): void {
    // The services hold the registry as core's JobType; every type this worker claims was registered
    // there as a JobDefinition (by defineJob, the built-ins or the --jobs modules), handler included.
    const definition = this.services.registry.get(job.type) as JobDefinition;
    const entry: Running = {
      job,
      definition,
      controller: undefined,
      log: undefined,
      reason: undefined,
      abortError: undefined,
      abandon: undefined,
      handled: false,
      started: false,
      done: Promise.resolve(),
    };
    this.running.set(job.id, entry);
    if (this.handling < this.o.concurrency) this.run(entry);
    else this.queued.push(entry);
  }

  private startQueued(): void {
    while (!this.stopping && this.handling < this.o.concurrency && this.queued.length > 0)
      this.run(this.queued.shift()!);
  }

  private run(entry: Running): void {
    const { job } = entry;
    entry.started = true;
    this.handling++;
    this.perType.set(job.type, (this.perType.get(job.type) ?? 0) + 1);
    entry.done = this.attempt(entry)
      .catch((error: unknown) =>
        this.log.error(
          { err: error, job: job.id },
          'finishing a job failed; its lease will expire and it will be retried',
        ),
      )
      .finally(() => {
        this.handled(entry);
        this.running.delete(job.id);
        this.wake(); // its write landed: room for another claim if holding was the limit
      });
  }

  /** Frees the job's concurrency slot (once), so the next job can start while this one's outcome is written. */
  private handled(entry: Running): void {
    if (entry.handled) return;
    entry.handled = true;
    this.handling--;
    this.perType.set(entry.job.type, (this.perType.get(entry.job.type) ?? 1) - 1);
    this.startQueued();
    this.wake();
  }

  private async attempt(entry: Running): Promise<void> {
    const { job, definition } = entry;
    const startedAt = this.services.clock.now();
    const timeoutMs = job.timeoutMs ?? definition.timeoutMs;
    const timer =
      timeoutMs !== undefined && timeoutMs !== null
        ? setTimeout(() => this.abort(entry, 'timeout'), timeoutMs)
        : undefined;
    let outcome: { ok: true; output: unknown } | { ok: false; error: unknown };
    try {
      const handler = Promise.resolve().then(() =>
        traced(this.services, job, () =>
          definition.run(
            jobContext(this.services, this.id, job, {
              signal: () => this.signalOf(entry),
              log: () => this.logOf(entry),
            }),
          ),
        ),
      );
      // A handler that ignores its signal is not waited for forever: after the grace period (see
      // abort) the job is ended as cancelled or timed out, and whatever the handler does later is ignored.
      const abandoned = new Promise<never>((_resolve, reject) => (entry.abandon = reject));
      handler.catch(() => undefined);
      outcome = { ok: true, output: await Promise.race([handler, abandoned]) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timer);
      entry.abandon = undefined;
    }
    this.handled(entry);

    const now = this.services.clock.now();
    const attempt: queue.Attempt = { jobId: job.id, number: job.attempts, startedAt, outcome: 'succeeded' };
    if (entry.reason === 'shutdown' || entry.reason === 'lease_lost') return; // released by stop(), or someone else's now
    if (entry.reason === 'cancel') {
      await queue.confirmCancelled(this.services.store, this.id, { ...attempt, outcome: 'cancelled' }, now);
      return;
    }
    if (outcome.ok && entry.reason === undefined) {
      const invalid =
        this.services.registry.validateOutput(job.type, outcome.output) ?? storableProblem(outcome.output);
      if (invalid === undefined) {
        await this.succeed({ attempt, output: outcome.output ?? null });
        return;
      }
      outcome = {
        ok: false,
        error: new NonRetryableError(`The handler returned an invalid output: ${invalid}`, 'invalid_output'),
      };
    }
    const error =
      entry.reason === 'timeout' ? new TimeoutError(timeoutMs!) : outcome.ok ? new Error('aborted') : outcome.error;
    const e = error instanceof Error ? error : new Error(String(error));
    const retryable = !(e instanceof NonRetryableError) && job.attempts < job.maxAttempts;
    const code = (e as { code?: unknown }).code;
    const failure: queue.Failure = {
      attempt: {
        ...attempt,
        outcome: entry.reason === 'timeout' ? 'timed_out' : 'failed',
        error: { message: e.message, code: typeof code === 'string' ? code : undefined, stack: e.stack },
      },
      retryAt: retryable ? now + retryDelay(job.attempts, definition.backoff) : undefined,
      exhausted: !retryable && !(e instanceof NonRetryableError),
    };
    this.logOf(entry).warn({ err: e, retry: retryable }, 'attempt failed');
    const written = await queue.failJob(this.services.store, this.id, failure, now);
    // Cancel requested while the handler was failing: the job ends cancelled rather than failed.
    if (!written) await queue.confirmCancelled(this.services.store, this.id, { ...attempt, outcome: 'cancelled' }, now);
  }

  /** Successes are written in batches: all that finish within one tick share a transaction. */
  private succeed(success: queue.Success): Promise<void> {
    this.successes.push(success);
    const written = new Promise<void>((resolve) => this.successWaiters.push(resolve));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush().catch((error: unknown) => this.log.error({ err: error }, 'writing finished jobs failed'));
      });
    }
    return written;
  }

  private async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.successes.length === 0) return;
    const batch = this.successes.splice(0);
    const waiters = this.successWaiters.splice(0);
    this.flushing = (async () => {
      try {
        const written = await queue.completeJobs(this.services.store, this.id, batch, this.services.clock.now());
        const done = new Set(written.done);
        // Those not written were cancelled while their handler was finishing.
        for (const b of batch) {
          if (!done.has(b.attempt.jobId))
            await queue.confirmCancelled(
              this.services.store,
              this.id,
              { ...b.attempt, outcome: 'cancelled' },
              this.services.clock.now(),
            );
        }
        if (written.released > 0) this.services.wakeups.jobsAdded(); // dependents became runnable
      } finally {
        for (const w of waiters) w();
        this.flushing = undefined;
      }
    })();
    await this.flushing;
  }

  private stopJob(id: string, reason: StopReason): void {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    if (entry.started) {
      this.abort(entry, reason);
      return;
    }
    // Claimed ahead and not started: nothing to abort. A cancelled one ends cancelled; a lost lease
    // means the job is someone else's now.
    this.queued.splice(this.queued.indexOf(entry), 1);
    this.running.delete(id);
    if (reason !== 'cancel') return;
    const now = this.services.clock.now();
    queue
      .confirmCancelled(
        this.services.store,
        this.id,
        { jobId: id, number: entry.job.attempts, startedAt: now, outcome: 'cancelled' },
        now,
      )
      .catch((error: unknown) =>
        this.log.error({ err: error, job: id }, 'ending a cancelled job failed; its lease will expire'),
      );
  }

  private abort(entry: Running, reason: StopReason): void {
    if (entry.reason !== undefined) return;
    entry.reason = reason;
    const message = {
      cancel: 'The job was cancelled.',
      timeout: 'The attempt timed out.',
      shutdown: 'The worker is shutting down.',
      lease_lost: 'The lease on this job was lost.',
    }[reason];
    const error = Object.assign(new Error(message), { name: 'AbortError', code: reason });
    entry.abortError = error;
    entry.controller?.abort(error);
    const abandon = entry.abandon;
    if (abandon !== undefined) setTimeout(() => abandon(error), this.o.abortGraceMs).unref();
  }

  /** The handler's signal, made on first use; already aborted if the attempt was stopped before. */
  private signalOf(entry: Running): AbortSignal {
    if (entry.controller === undefined) {
      entry.controller = new AbortController();
      if (entry.abortError !== undefined) entry.controller.abort(entry.abortError);
    }
    return entry.controller.signal;
  }

  private logOf(entry: Running): Logger {
    return (entry.log ??= this.log.child({ job: entry.job.id, type: entry.job.type, attempt: entry.job.attempts }));
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    const held = await queue.renewLeases(this.services.store, this.id, ids, this.o.leaseMs, this.services.clock.now());
    for (const id of ids) {
      const status = held.get(id);
      if (status === undefined) this.stopJob(id, 'lease_lost');
      else if (status === 'cancelling') this.stopJob(id, 'cancel');
    }
  }

  private async checkCancels(): Promise<void> {
    if (this.running.size === 0) return;
    for (const id of await queue.cancellingHeldBy(this.services.store, this.id, [...this.running.keys()]))
      this.stopJob(id, 'cancel');
  }

  private async reap(): Promise<void> {
    const counts = await queue.reapExpiredLeases(this.services.store, this.services.clock.now());
    if (counts.requeued + counts.failed + counts.cancelled > 0) {
      this.log.warn(counts, 'returned jobs of unresponsive workers');
      if (counts.requeued > 0) this.services.wakeups.jobsAdded();
    }
  }
}
