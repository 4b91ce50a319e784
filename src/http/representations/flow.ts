import { toIso } from '../../core/clock.js';
import type { FlowJson } from '../../core/flow.js';
import type { FlowView } from '../../services/job-flow.js';

/** A job type's flow control in a workspace, as /v1/job-types/{type}/flow answers it (docs/flow-control.md). */
export const flowRepresentation = (f: FlowView): FlowJson => ({
  type: f.type,
  source: f.source,
  paused: f.paused,
  concurrency: f.concurrency ?? null,
  key_concurrency: f.keyConcurrency ?? null,
  rate_limit:
    f.rateLimit != null
      ? { limit: f.rateLimit.limit, interval_ms: f.rateLimit.intervalMs, per_key: f.rateLimit.perKey === true }
      : null,
  deduplication: {
    include_running: f.deduplication?.includeRunning === true,
    replace_input: f.deduplication?.replaceInput === true,
  },
  version: f.version,
  updated_at: toIso(f.updatedAt),
});
