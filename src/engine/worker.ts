import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { retryDelay } from '../core/backoff.js';
import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import * as queue from '../store/queue.js';
import { CompletionBatcher } from './completion-batcher.js';
import { jobContext } from './context.js';
import { NonRetryableError, type JobDefinition } from './define-job.js';
import { handoffTarget } from './handoff-target.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LocalQueue } from './local-queue.js';
import { Reaper } from './reaper.js';
import { RunningJob, TimeoutError, storableProblem, type AroundHandler, type StopReason } from './running-job.js';
import { Slots } from './slots.js';
import { StandingClaim } from './standing-claim.js';
import { traced } from './tracing.js';
import { WorkerEvents } from './worker-events.js';
import { resolveOptions, type ResolvedOptions, type WorkerOptions } from './worker-options.js';

export type { WorkerEvent, WorkerListener } from './worker-events.js';
export type { WorkerOptions } from './worker-options.js';

/**
 * Runs the handlers of registered job types. It is composed of parts: the local queue claims in
 * batches (and ahead, with `prefetch`), the lease keeper keeps leases alive and hears cancels, the
 * completion batcher writes successes in batches, the reaper returns the jobs of dead workers, and
 * the handoff target takes new jobs of this process while idle. The worker itself starts handlers in
 * free slots, enforces timeouts, writes failures with backoff, and tells listeners (`worker.on(...)`,
 * see WorkerListener) what happened.
 */
export class Worker extends WorkerEvents {
  readonly id: string;
  private readonly o: ResolvedOptions;
  private readonly log: Logger;
  /** Jobs this worker holds: waiting in the local queue, handler running, or outcome being written. */
  private readonly running = new Map<string, RunningJob>();
  private readonly slots: Slots;
  private readonly queue: LocalQueue;
  private readonly leases: LeaseKeeper;
  private readonly reaper: Reaper;
  private readonly completions: CompletionBatcher;
  private readonly standing: StandingClaim;
  private detach: (() => void) | undefined;
  private stopping = false;
  // One function each for every job, not a closure per job.
  private readonly around: AroundHandler = (job, run) => traced(this.services, job, run);
  private readonly progressed = (job: ClaimedJob, percent: number, message: string | null) =>
    this.emit('progress', job, percent, message);

  constructor(
    private readonly services: Services,
    options: WorkerOptions = {},
  ) {
    const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const log = (options.logger ?? pino({ level: 'silent' })).child({ worker: id });
    super(log);
    this.id = id;
    this.log = log;
    this.o = resolveOptions(options);
    this.slots = new Slots(this.o.concurrency);
    this.standing = new StandingClaim(services, id, this.running, {
      hold: (job) => this.hold(job),
      stopping: () => this.stopping,
      failed: this.failed('warn', 'taking jobs handed over failed; their leases will expire'),
    });
    this.queue = new LocalQueue(services, { workerId: id, ...this.o, standing: this.standing.counter }, this.slots, {
      claimed: (job) => this.hold(job),
      held: () => this.running.size,
      drained: () => this.emit('drained'),
      failed: this.failed('warn', 'claiming jobs failed'),
    });
    this.leases = new LeaseKeeper(
      services,
      id,
      this.o,
      () => [...this.running.keys()],
      (jobId, reason) => this.stopJob(jobId, reason),
      this.failed('warn', 'background task failed'),
    );
    this.reaper = new Reaper(services, log, this.failed('warn', 'background task failed'));
    this.completions = new CompletionBatcher(services, id, this.failed('error', 'writing finished jobs failed'));
  }

  /** Job types this worker handles. */
  get types(): string[] {
    return this.services.registry.types();
  }

  /** Number of jobs being run right now. */
  get busy(): number {
    return this.slots.busy;
  }

  start(): void {
    this.standing.start();
    this.queue.start();
    this.detach = this.services.handoff.attach(
      handoffTarget({
        id: this.id,
        leaseMs: this.o.leaseMs,
        registry: this.services.registry,
        slots: this.slots,
        queue: this.queue,
        stopping: () => this.stopping,
        hold: (job) => this.hold(job, 'in process'),
        release: (jobs) => {
          this.release(jobs.map((j) => j.id)).catch(
            this.failed('warn', 'releasing jobs handed over during shutdown failed; their leases will expire'),
          );
        },
      }),
    );
    this.leases.start();
    this.reaper.start(this.o.reapMs);
    this.reaper
      .reap()
      .catch(this.failed('warn', 'reaping expired leases failed'))
      .finally(() => this.queue.wake());
    this.log.info({ types: this.types, concurrency: this.o.concurrency }, 'worker started');
  }

  /**
   * Stops claiming, lets running handlers finish within `deadlineMs`, then signals the rest and
   * gives their jobs back to the queue (their interrupted attempt is not counted).
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // Jobs claimed ahead never started: they go back to the queue at once, for other workers.
    const queued = this.queue.close();
    this.leases.close();
    this.reaper.close();
    this.detach?.();
    for (const q of queued) this.running.delete(q.job.id);
    const unheard = await this.standing.close(this.queue.settled());
    if (queued.length + unheard.length > 0) await this.release([...queued.map((q) => q.job.id), ...unheard]);
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    const left = [...this.running.values()];
    for (const r of left) r.abort('shutdown');
    await this.completions.flush();
    if (left.length > 0) {
      await this.release(left.map((r) => r.job.id));
      this.log.info({ released: left.length }, 'released unfinished jobs');
    }
    this.running.clear();
  }

  private release(ids: string[]): Promise<void> {
    return queue.releaseJobs(this.services.store, this.id, ids, this.services.clock.now());
  }

  /** Logs a failure of background work and tells the `error` listeners; the worker goes on. */
  private failed(level: 'warn' | 'error', message: string, fields: object = {}): (error: unknown) => void {
    return (error) => {
      this.log[level]({ ...fields, err: error }, message);
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
    };
  }

  /** Starts a claimed job if a slot is free, else queues it locally. */
  private hold(job: ClaimedJob, handedOver?: 'in process'): void {
    if (handedOver !== undefined) this.standing.handedInProcess(1);
    // The services hold the registry as core's JobType; every type this worker claims was registered
    // there as a JobDefinition (by defineJob, the built-ins or the --jobs modules), handler included.
    const definition = this.services.registry.get(job.type) as JobDefinition;
    const entry = new RunningJob(job, definition, this.log, this.o.abortGraceMs, this.progressed);
    this.running.set(job.id, entry);
    if (this.slots.busy < this.o.concurrency) this.run(entry);
    else this.queue.push(entry);
  }

  private startQueued(): void {
    while (!this.stopping && this.slots.busy < this.o.concurrency && this.queue.length > 0)
      this.run(this.queue.shift()!);
  }

  private run(entry: RunningJob): void {
    const { job } = entry;
    entry.started = true;
    this.slots.take(job.type);
    this.emit('active', job);
    // One reaction for both outcomes, rather than a catch and a finally: fewer promises per job.
    entry.done = this.attempt(entry).then(
      () => this.finished(entry),
      (error: unknown) => {
        this.failed('error', 'finishing a job failed; its lease will expire and it will be retried', { job: job.id })(
          error,
        );
        this.finished(entry);
      },
    );
  }

  /** The job's attempt is settled and written (or given up): it is no longer held. */
  private finished(entry: RunningJob): void {
    this.handled(entry);
    this.running.delete(entry.job.id);
    this.queue.wake(); // its write landed: room for another claim if holding was the limit
  }

  /** Frees the job's concurrency slot (once), so the next job can start while this one's outcome is written. */
  private handled(entry: RunningJob): void {
    if (entry.handled) return;
    entry.handled = true;
    this.slots.give(entry.job.type);
    this.startQueued();
    this.queue.wake();
  }

  private async attempt(entry: RunningJob): Promise<void> {
    const { job, definition } = entry;
    const startedAt = this.services.clock.now();
    let outcome = await entry.handle(jobContext(this.services, this.id, job, entry), this.around);
    this.handled(entry);

    const now = this.services.clock.now();
    const attempt: queue.Attempt = { jobId: job.id, number: job.attempts, startedAt, outcome: 'succeeded' };
    if (entry.reason === 'shutdown' || entry.reason === 'lease_lost') return; // released by stop(), or someone else's now
    if (entry.reason === 'cancel') {
      await this.confirmCancelled(job, { ...attempt, outcome: 'cancelled' }, now);
      return;
    }
    if (outcome.ok && entry.reason === undefined) {
      const invalid =
        this.services.registry.validateOutput(job.type, outcome.output) ?? storableProblem(outcome.output);
      if (invalid === undefined) {
        const output = outcome.output ?? null;
        const written = await this.completions.add({ attempt, output });
        if (written === 'completed') this.emit('completed', job, output);
        else if (written === 'cancelled') this.emit('cancelled', job);
        return;
      }
      outcome = {
        ok: false,
        error: new NonRetryableError(`The handler returned an invalid output: ${invalid}`, 'invalid_output'),
      };
    }
    const error =
      entry.reason === 'timeout'
        ? new TimeoutError(entry.timeoutMs!)
        : outcome.ok
          ? new Error('aborted')
          : outcome.error;
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
    entry.log().warn({ err: e, retry: retryable }, 'attempt failed');
    if (await queue.failJob(this.services.store, this.id, failure, now)) this.emit('failed', job, e, retryable);
    // Cancel requested while the handler was failing: the job ends cancelled rather than failed.
    else await this.confirmCancelled(job, { ...attempt, outcome: 'cancelled' }, now);
  }

  private async confirmCancelled(job: ClaimedJob, attempt: queue.Attempt, now: number): Promise<void> {
    if (await queue.confirmCancelled(this.services.store, this.id, attempt, now)) this.emit('cancelled', job);
  }

  private stopJob(id: string, reason: StopReason): void {
    const entry = this.running.get(id);
    if (entry === undefined) return;
    if (entry.started) {
      entry.abort(reason);
      return;
    }
    // Claimed ahead and not started: nothing to abort. A cancelled one ends cancelled; a lost lease
    // means the job is someone else's now.
    this.queue.remove(entry);
    this.running.delete(id);
    if (reason !== 'cancel') return;
    const now = this.services.clock.now();
    this.confirmCancelled(
      entry.job,
      { jobId: id, number: entry.job.attempts, startedAt: now, outcome: 'cancelled' },
      now,
    ).catch(this.failed('error', 'ending a cancelled job failed; its lease will expire', { job: id }));
  }
}
