// Job type of the remote-workers benchmark (bench/remote-workers.mjs), loaded by the server for its
// in-process worker and by each HTTP worker process: a no-op that, for the pickup samples, tells the
// benchmark when its handler started (the system-wide monotonic clock, comparable across processes).
import { defineJob } from '../../dist/engine/define-job.js';

export const noop = defineJob({
  type: 'noop',
  run(ctx) {
    const sample = ctx.input?.sample;
    if (sample !== undefined) process.send?.({ cmd: 'handler-started', sample, at: nowMs() });
    return null;
  },
});

/** Milliseconds on the monotonic clock every process of the machine shares. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
