import type { WorkerOptions } from '../../src/engine/worker.js';

/** Worker timings short enough for tests: polls, heartbeats, leases and the reaper in tens of milliseconds. */
export const FAST_WORKER: WorkerOptions = {
  pollMs: 50,
  heartbeatMs: 100,
  leaseMs: 1000,
  reapMs: 200,
  cancelCheckMs: 100,
  abortGraceMs: 200,
};
