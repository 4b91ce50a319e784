import type { Logger } from 'pino';

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

export type ResolvedOptions = Required<Omit<WorkerOptions, 'logger' | 'workerId'>>;

/** The options with their defaults: timers follow the lease unless set. */
export function resolveOptions(options: WorkerOptions): ResolvedOptions {
  const leaseMs = options.leaseMs ?? 30_000;
  return {
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
}
