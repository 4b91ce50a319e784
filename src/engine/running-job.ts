import type { Logger } from 'pino';
import type { ClaimedJob } from '../core/job.js';
import { unstorableJson } from '../core/json.js';
import type { EngineJobContext, LazyParts } from './context.js';
import type { JobDefinition } from './define-job.js';

export type StopReason = 'cancel' | 'timeout' | 'shutdown' | 'lease_lost';

const STOP_MESSAGES: Record<StopReason, string> = {
  cancel: 'The job was cancelled.',
  timeout: 'The attempt timed out.',
  shutdown: 'The worker is shutting down.',
  lease_lost: 'The lease on this job was lost.',
};

/** The error an attempt that ran past its timeout fails with. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
  constructor(ms: number) {
    super(`The attempt timed out after ${ms} ms.`);
    this.name = 'TimeoutError';
  }
}

/** Why a handler's output cannot be stored as JSON, if it cannot. */
export function storableProblem(output: unknown): string | undefined {
  const problem = unstorableJson(output, '#/output');
  return problem === undefined ? undefined : `${problem.pointer} ${problem.detail}`;
}

export type HandlerOutcome = { ok: true; output: unknown } | { ok: false; error: unknown };

/** What the worker wraps every handler in (its trace span); the same function for every job. */
export type AroundHandler = <T>(job: ClaimedJob, run: () => T | Promise<T>) => T | Promise<T>;

/**
 * A job this worker holds, from its claim to its outcome being written: waiting in the local queue,
 * its handler running, or its outcome being written. Its lease is kept alive all that time. It is
 * also what its handler's context reads the signal and logger from (LazyParts).
 */
export class RunningJob implements LazyParts {
  /**
   * The handler's signal and logger, made when the handler first reads them (most never do): creating
   * an AbortController and a child logger for every job was a visible share of a no-op job's time.
   */
  private controller: AbortController | undefined;
  private jobLog: Logger | undefined;
  /** Why the attempt is being stopped, and the error its signal carries. */
  reason: StopReason | undefined;
  private abortError: Error | undefined;
  /** Ends the wait for a handler that ignores its signal (set while the handler runs). */
  private abandon: ((error: Error) => void) | undefined;
  /** The handler has settled: the job no longer takes a concurrency slot while its outcome is written. */
  handled = false;
  /** The handler was started; until then the job waits in the worker's local queue. */
  started = false;
  /** Resolves when the attempt is settled and written (or given up). */
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly job: ClaimedJob,
    readonly definition: JobDefinition,
    private readonly workerLog: Logger,
    private readonly abortGraceMs: number,
    private readonly onProgress: (job: ClaimedJob, percent: number, message: string | null) => void = () => undefined,
  ) {}

  /** The job's own timeout, else its type's. */
  get timeoutMs(): number | undefined {
    return this.job.timeoutMs ?? this.definition.timeoutMs ?? undefined;
  }

  /**
   * Runs the handler with `context` until it settles, or until it is abandoned a grace period after
   * an abort; `around` runs it inside what the worker wraps every handler in (its trace span).
   */
  async handle(
    context: EngineJobContext<never>,
    around: AroundHandler = (_job, run) => run(),
  ): Promise<HandlerOutcome> {
    const timeoutMs = this.timeoutMs;
    const timer = timeoutMs !== undefined ? setTimeout(() => this.abort('timeout'), timeoutMs) : undefined;
    try {
      // Settles with the handler, or fails when the handler is abandoned: a handler that ignores its
      // signal is not waited for forever, and whatever it does later is ignored. One promise for
      // both, rather than a race of two, is less to allocate for every job.
      const output = await new Promise<unknown>((resolve, reject) => {
        this.abandon = reject;
        Promise.resolve()
          .then(() => around(this.job, () => this.definition.run(context)))
          .then(resolve, reject);
      });
      return { ok: true, output };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      this.abandon = undefined;
    }
  }

  /** Fires the handler's signal with the reason (once), and abandons the handler after the grace period. */
  abort(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const error = Object.assign(new Error(STOP_MESSAGES[reason]), { name: 'AbortError', code: reason });
    this.abortError = error;
    this.controller?.abort(error);
    const abandon = this.abandon;
    if (abandon !== undefined) setTimeout(() => abandon(error), this.abortGraceMs).unref();
  }

  /** The handler's signal, made on first use; already aborted if the attempt was stopped before. */
  signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortError !== undefined) this.controller.abort(this.abortError);
    }
    return this.controller.signal;
  }

  log(): Logger {
    return (this.jobLog ??= this.workerLog.child({
      job: this.job.id,
      type: this.job.type,
      attempt: this.job.attempts,
    }));
  }

  /** Told of each progress report once it is stored. */
  progressed(percent: number, message: string | null): void {
    this.onProgress(this.job, percent, message);
  }
}
