import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClaimedJob } from '../core/job.js';

/**
 * What a Worker tells its listeners, as BullMQ's WorkerListener: `worker.on('completed', (job, output) => ...)`.
 * Each event fires after what it reports is written (a `completed` job is succeeded in the database),
 * so a test or a caller can await it instead of polling.
 */
export interface WorkerListener {
  /** The job's handler started (for a job claimed ahead, when a slot freed, not at its claim). */
  active: (job: ClaimedJob) => void;
  /** The job succeeded with this output. */
  completed: (job: ClaimedJob, output: unknown) => void;
  /** The attempt failed with this error; `retrying` says whether the job went back to the queue for another. */
  failed: (job: ClaimedJob, error: Error, retrying: boolean) => void;
  /** The handler reported progress, and it was stored. */
  progress: (job: ClaimedJob, percent: number, message: string | null) => void;
  /** The job ended cancelled: its handler stopped (or never started) after a cancel request. */
  cancelled: (job: ClaimedJob) => void;
  /** A claim found no job of this worker's types left, after one that did (or after the start). */
  drained: () => void;
  /** A background task failed (a claim, a heartbeat, a write): the worker goes on, as it logs. */
  error: (error: Error) => void;
}

export type WorkerEvent = keyof WorkerListener;

/**
 * Node's EventEmitter with the worker's events typed, and listeners that cannot break the worker: a
 * listener that throws (or returns a rejected promise) is logged and reported as an `error` event, the
 * other listeners still run, and an `error` event nobody listens to is only logged (a plain
 * EventEmitter would throw it). `events.once(worker, 'completed')` and `events.on(...)` work as usual.
 */
export class WorkerEvents extends EventEmitter {
  constructor(private readonly eventLog: Logger) {
    super();
  }

  override on<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    return super.on(event, listener);
  }

  override once<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    return super.once(event, listener);
  }

  override off<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    return super.off(event, listener);
  }

  override emit<E extends WorkerEvent>(event: E, ...args: Parameters<WorkerListener[E]>): boolean {
    // Most workers have no listener: this check allocates nothing, where rawListeners copies an array.
    if (this.listenerCount(event) === 0) return false;
    const listeners = this.rawListeners(event) as ((...a: unknown[]) => unknown)[];
    for (const listener of listeners) {
      try {
        const result = listener.apply(this, args);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(event, error));
      } catch (error) {
        this.listenerFailed(event, error);
      }
    }
    return listeners.length > 0;
  }

  private listenerFailed(event: WorkerEvent, error: unknown): void {
    this.eventLog.error({ err: error, event }, 'a worker event listener failed');
    // A failing error listener is only logged: reporting it as another error could loop.
    if (event !== 'error') this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}
