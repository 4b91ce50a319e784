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
 * A typed event emitter whose listeners cannot break the worker: a listener that throws (or returns a
 * rejected promise) is logged and reported as an `error` event, and the other listeners still run.
 * It has the methods `events.once(worker, 'completed')` of node:events needs, so it can be awaited.
 */
export class WorkerEvents {
  private readonly listeners = new Map<WorkerEvent, ((...args: never[]) => unknown)[]>();

  constructor(private readonly eventLog: Logger) {}

  on<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Calls the listener for the next such event only. */
  once<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    const wrapper = ((...args: Parameters<WorkerListener[E]>) => {
      this.off(event, wrapper);
      return (listener as (...a: Parameters<WorkerListener[E]>) => unknown)(...args);
    }) as WorkerListener[E];
    (wrapper as { listener?: unknown }).listener = listener;
    return this.on(event, wrapper);
  }

  off<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    const list = this.listeners.get(event);
    if (list === undefined) return this;
    const index = list.findIndex((l) => l === listener || (l as { listener?: unknown }).listener === listener);
    if (index >= 0) this.listeners.set(event, list.toSpliced(index, 1));
    return this;
  }

  removeListener<E extends WorkerEvent>(event: E, listener: WorkerListener[E]): this {
    return this.off(event, listener);
  }

  listenerCount(event: WorkerEvent): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  protected emit<E extends WorkerEvent>(event: E, ...args: Parameters<WorkerListener[E]>): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        const result = (listener as (...a: Parameters<WorkerListener[E]>) => unknown)(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(event, error));
      } catch (error) {
        this.listenerFailed(event, error);
      }
    }
  }

  private listenerFailed(event: WorkerEvent, error: unknown): void {
    this.eventLog.error({ err: error, event }, 'a worker event listener failed');
    // A failing error listener is only logged: reporting it as another error could loop.
    if (event !== 'error') this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}
