import type { FieldError } from './errors.js';

// Flow control of a job type (docs/flow-control.md): how many of its jobs may be claimed at once across
// every worker, in all and per key; how many may start per interval; how creates with a deduplication
// key behave; and whether the type is paused. Declared by code (defineJob's `flow`) or set per
// workspace through the API; enforced by the claim (src/store/queue/flow-claim.ts).

export interface FlowControl {
  /** Jobs of the type claimed and not finished at once, across every worker (per workspace). */
  concurrency?: number | undefined;
  /** The same for the jobs of one `concurrency_key`. */
  keyConcurrency?: number | undefined;
  /** At most `limit` claims per `intervalMs` (a sliding window), of the type or, with `perKey`, per key. */
  rateLimit?: { limit: number; intervalMs: number; perKey?: boolean | undefined } | undefined;
  /** A create naming the key of a job that is pending (or running, with `includeRunning`) returns that job. */
  deduplication?: { includeRunning?: boolean | undefined; replaceInput?: boolean | undefined } | undefined;
}

/** Flow control as the API and the job-types file spell it (snake_case; absent or null is unset). */
export interface FlowFields {
  concurrency?: number | null | undefined;
  key_concurrency?: number | null | undefined;
  rate_limit?: { limit: number; interval_ms: number; per_key?: boolean | undefined } | null | undefined;
  deduplication?: { include_running?: boolean | undefined; replace_input?: boolean | undefined } | undefined;
}

/** The flow control that fields of the API or the job-types file describe. */
export function flowOfFields(f: FlowFields): FlowControl {
  return {
    concurrency: f.concurrency ?? undefined,
    keyConcurrency: f.key_concurrency ?? undefined,
    rateLimit:
      f.rate_limit != null
        ? { limit: f.rate_limit.limit, intervalMs: f.rate_limit.interval_ms, perKey: f.rate_limit.per_key }
        : undefined,
    deduplication:
      f.deduplication !== undefined
        ? { includeRunning: f.deduplication.include_running, replaceInput: f.deduplication.replace_input }
        : undefined,
  };
}

/** A type's flow control in a workspace as the API answers it (`GET /v1/job-types/{type}/flow`). */
export interface FlowJson {
  type: string;
  /** Whose settings hold: the code's (defineJob), the workspace's own (set through the API), or none. */
  source: 'code' | 'api' | null;
  paused: boolean;
  concurrency: number | null;
  key_concurrency: number | null;
  rate_limit: { limit: number; interval_ms: number; per_key: boolean } | null;
  deduplication: { include_running: boolean; replace_input: boolean };
  version: number | null;
  updated_at: string | null;
}

/** A type's flow control as the claim sees it. */
export interface FlowState extends FlowControl {
  paused: boolean;
}

export const MAX_FLOW_LIMIT = 1_000_000;
export const MAX_RATE_INTERVAL_MS = 86_400_000;

function countProblem(value: unknown, pointer: string, max: number): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    return [{ pointer, detail: `must be a whole number from 1 to ${max}` }];
  return [];
}

/** Problems with a flow control, as JSON pointers under `prefix`; empty when it is usable. */
export function flowProblems(flow: FlowControl, prefix = '#'): FieldError[] {
  const problems = [
    ...countProblem(flow.concurrency, `${prefix}/concurrency`, MAX_FLOW_LIMIT),
    ...countProblem(flow.keyConcurrency, `${prefix}/key_concurrency`, MAX_FLOW_LIMIT),
  ];
  if (flow.rateLimit !== undefined && flow.rateLimit !== null) {
    problems.push(...countProblem(flow.rateLimit.limit, `${prefix}/rate_limit/limit`, MAX_FLOW_LIMIT));
    problems.push(...countProblem(flow.rateLimit.intervalMs, `${prefix}/rate_limit/interval_ms`, MAX_RATE_INTERVAL_MS));
  }
  if (
    flow.concurrency != null &&
    flow.keyConcurrency != null &&
    problems.length === 0 &&
    flow.keyConcurrency > flow.concurrency
  )
    problems.push({
      pointer: `${prefix}/key_concurrency`,
      detail: `must not be more than concurrency (${flow.concurrency}): no key could use it`,
    });
  return problems;
}

/** Does the claim have anything to enforce? A type with only deduplication settings is claimed as any other. */
export function limitsClaim(flow: FlowState): boolean {
  return flow.paused || flow.concurrency != null || flow.keyConcurrency != null || flow.rateLimit != null;
}

/** A pending job the limited claim may take, in claim order. */
export interface FlowCandidate {
  id: string;
  workspaceId: string;
  key: string | null;
}

/** What the claim counts per workspace, and per workspace and key. */
export interface FlowCounts {
  /** Jobs claimed and not finished. */
  running: Map<string, number>;
  /** Starts within the rate interval. */
  starts: Map<string, number>;
}

/** The count key of a workspace (key undefined) or of a key within it. */
export const countKey = (workspaceId: string, key?: string | null): string =>
  key === undefined ? `${workspaceId}\u0000` : `${workspaceId}\u0000\u0000${key ?? ''}`;

/**
 * The candidates to claim, in their order, keeping every limit of their workspace's flow: the counts
 * are what the database holds, plus the jobs taken here. Jobs without a key are held only by the
 * limits on the type. Counts are updated with what is taken.
 */
export function selectWithinLimits(
  candidates: readonly FlowCandidate[],
  flowOf: (workspaceId: string) => FlowState | undefined,
  counts: FlowCounts,
  limit: number,
): FlowCandidate[] {
  const taken: FlowCandidate[] = [];
  const get = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
  const bump = (m: Map<string, number>, k: string) => m.set(k, get(m, k) + 1);
  for (const c of candidates) {
    if (taken.length >= limit) break;
    const flow = flowOf(c.workspaceId);
    if (flow !== undefined) {
      if (flow.paused) continue;
      const all = countKey(c.workspaceId);
      const byKey = countKey(c.workspaceId, c.key);
      if (flow.concurrency != null && get(counts.running, all) >= flow.concurrency) continue;
      if (c.key !== null && flow.keyConcurrency != null && get(counts.running, byKey) >= flow.keyConcurrency) continue;
      const rate = flow.rateLimit;
      if (rate != null) {
        if (rate.perKey === true) {
          if (c.key !== null && get(counts.starts, byKey) >= rate.limit) continue;
        } else if (get(counts.starts, all) >= rate.limit) continue;
      }
      bump(counts.running, all);
      bump(counts.running, byKey);
      bump(counts.starts, all);
      bump(counts.starts, byKey);
    }
    taken.push(c);
  }
  return taken;
}
