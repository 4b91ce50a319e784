import { countKey, limitsClaim, selectWithinLimits, type FlowCandidate, type FlowState } from '../../core/flow.js';
import { EVERY_WORKSPACE, flowOfRow, type FlowRow } from '../job-flow.js';
import type { ClaimedRow, ClaimOptions } from './claim.js';

// The limited claim: jobs of types with flow control (docs/flow-control.md). Per type, under a lock that
// makes the claims of that type across every process take turns (PostgreSQL; SQLite's one writer does
// so already), it counts the type's claimed jobs and recent starts, picks the next pending jobs that fit
// every limit of their workspace and claims them with the claim's own statement. The steps are written
// once here as a generator; each dialect runs them in one transaction, SQLite synchronously, PostgreSQL
// awaiting each answer (the types are locked in name order, so two claims cannot wait for each other).

/** How many pending jobs past the blocked keys one claim looks at for each type. */
export const FLOW_SCAN = 200;

/** The statements the limited claim needs of a dialect; SQLite answers at once, PostgreSQL with promises. */
export interface FlowOps<P extends 'sync' | 'async'> {
  flows(types: readonly string[], workspaceId: string | undefined): Answer<P, FlowRow[]>;
  /** Makes other limited claims of the type wait until this one's transaction ends. */
  lock(type: string): Answer<P, void>;
  /** Jobs of the type claimed and not finished, per workspace and key. */
  running(type: string, workspaceId: string | undefined): Answer<P, Count[]>;
  /** Starts of the type since `since`, per workspace and flow key. */
  starts(type: string, since: number, workspaceId: string | undefined): Answer<P, Count[]>;
  candidates(q: CandidateQuery): Answer<P, FlowCandidate[]>;
  claimIds(ids: string[], o: ClaimOptions): Answer<P, ClaimedRow[]>;
  recordStarts(rows: { workspaceId: string; type: string; key: string; at: number }[]): Answer<P, void>;
  /** Removes the type's starts at or before `before`, which no window counts any more. */
  forgetStarts(type: string, before: number): Answer<P, void>;
}

type Answer<P, T> = P extends 'sync' ? T : Promise<T>;

export interface Count {
  workspace_id: string;
  key: string | null;
  n: number;
}

export interface CandidateQuery {
  type: string;
  now: number;
  workspaceId: string | undefined;
  /** Workspaces none of whose jobs may be claimed now (paused, or at a limit of the type). */
  blockedWorkspaces: string[];
  /** When set, only these workspaces' jobs (the code's row pauses the type where no row of its own says otherwise). */
  onlyWorkspaces: string[] | undefined;
  /** `<workspace> <key>` of keys at their limit. */
  blockedKeys: string[];
  limit: number;
}

interface Step {
  run(ops: FlowOps<'sync'> | FlowOps<'async'>): unknown;
}

function* ask<T>(run: (ops: FlowOps<'sync'>) => T): Generator<Step, T, unknown> {
  return (yield { run: run }) as T;
}

/**
 * The limited claim's steps for the types of `o` whose flow control limits the claim: those the plain
 * claim leaves out (a type with only deduplication settings is the plain claim's).
 */
export function* limitedClaim(o: ClaimOptions): Generator<Step, ClaimedRow[], unknown> {
  const rows = yield* ask((ops) => ops.flows(o.types, o.workspaceId));
  const claimed: ClaimedRow[] = [];
  const limited = rows.filter((r) => limitsClaim(flowOfRow(r))).map((r) => r.type);
  for (const type of [...new Set(limited)].sort()) {
    if (claimed.length >= o.limit) break;
    yield* ask((ops) => ops.lock(type));
    claimed.push(...(yield* claimType(type, o, o.limit - claimed.length)));
  }
  return claimed;
}

function* claimType(type: string, o: ClaimOptions, limit: number): Generator<Step, ClaimedRow[], unknown> {
  // Read again under the lock: a change committed meanwhile holds from this claim on.
  const rows = yield* ask((ops) => ops.flows([type], o.workspaceId));
  const own = new Map<string, FlowState>();
  let every: FlowState | undefined;
  for (const r of rows) {
    if (r.workspace_id === EVERY_WORKSPACE) every = flowOfRow(r);
    else own.set(r.workspace_id, flowOfRow(r));
  }
  const flowOf = (ws: string): FlowState | undefined => own.get(ws) ?? every;
  const flows = [...own.values(), ...(every !== undefined ? [every] : [])];
  const counts = { running: new Map<string, number>(), starts: new Map<string, number>() };
  if (flows.some((f) => f.concurrency != null || f.keyConcurrency != null)) {
    for (const c of yield* ask((ops) => ops.running(type, o.workspaceId))) addCount(counts.running, c);
  }
  const intervals = [...new Set(flows.flatMap((f) => (f.rateLimit != null ? [f.rateLimit.intervalMs] : [])))];
  for (const interval of intervals) {
    for (const c of yield* ask((ops) => ops.starts(type, o.now - interval, o.workspaceId))) {
      if (flowOf(c.workspace_id)?.rateLimit?.intervalMs === interval) addCount(counts.starts, c);
    }
  }
  const candidates = yield* ask((ops) =>
    ops.candidates({
      type,
      now: o.now,
      workspaceId: o.workspaceId,
      ...blocked(own, every, counts),
      limit: limit + FLOW_SCAN,
    }),
  );
  const chosen = selectWithinLimits(candidates, flowOf, counts, limit);
  if (chosen.length === 0) return [];
  const claimedRows = yield* ask((ops) =>
    ops.claimIds(
      chosen.map((c) => c.id),
      o,
    ),
  );
  const byId = new Map(chosen.map((c) => [c.id, c]));
  const starts = claimedRows.flatMap((r) => {
    const c = byId.get(r.id)!;
    const rate = flowOf(c.workspaceId)?.rateLimit;
    if (rate == null) return [];
    if (rate.perKey === true && c.key === null) return [];
    return [{ workspaceId: c.workspaceId, type, key: rate.perKey === true ? c.key! : '', at: o.now }];
  });
  if (starts.length > 0) yield* ask((ops) => ops.recordStarts(starts));
  if (intervals.length > 0) yield* ask((ops) => ops.forgetStarts(type, o.now - Math.max(...intervals)));
  return claimedRows;
}

function addCount(into: Map<string, number>, c: Count): void {
  const n = Number(c.n);
  // A count by key adds to its workspace's as well; starts of the type itself have the key ''.
  const all = countKey(c.workspace_id);
  into.set(all, (into.get(all) ?? 0) + n);
  if (c.key !== null && c.key !== '') into.set(countKey(c.workspace_id, c.key), n);
}

/** What the candidates query leaves out: workspaces and keys that can take no job now. */
function blocked(
  own: Map<string, FlowState>,
  every: FlowState | undefined,
  counts: { running: Map<string, number>; starts: Map<string, number> },
): Pick<CandidateQuery, 'blockedWorkspaces' | 'onlyWorkspaces' | 'blockedKeys'> {
  const full = (ws: string, f: FlowState): boolean =>
    !limitsClaim(f)
      ? false
      : f.paused ||
        (f.concurrency != null && (counts.running.get(countKey(ws)) ?? 0) >= f.concurrency) ||
        (f.rateLimit != null &&
          f.rateLimit.perKey !== true &&
          (counts.starts.get(countKey(ws)) ?? 0) >= f.rateLimit.limit);
  const blockedWorkspaces = [...own].filter(([ws, f]) => full(ws, f)).map(([ws]) => ws);
  // The code's row holds in every other workspace: with it paused, only workspaces with an open row of their own.
  const onlyWorkspaces =
    every?.paused === true ? [...own].filter(([ws, f]) => !full(ws, f)).map(([ws]) => ws) : undefined;
  const blockedKeys: string[] = [];
  for (const [k, n] of counts.running) {
    const [ws, key] = splitKey(k);
    const f = own.get(ws) ?? every;
    if (key !== undefined && f?.keyConcurrency != null && n >= f.keyConcurrency) blockedKeys.push(`${ws} ${key}`);
  }
  for (const [k, n] of counts.starts) {
    const [ws, key] = splitKey(k);
    const f = own.get(ws) ?? every;
    if (key !== undefined && f?.rateLimit?.perKey === true && n >= f.rateLimit.limit) blockedKeys.push(`${ws} ${key}`);
  }
  // Workspaces at their limit under the code's row, known from the counts.
  if (every !== undefined) {
    for (const k of counts.running.keys()) {
      const [ws, key] = splitKey(k);
      if (key === undefined && !own.has(ws) && full(ws, every)) blockedWorkspaces.push(ws);
    }
    for (const k of counts.starts.keys()) {
      const [ws, key] = splitKey(k);
      if (key === undefined && !own.has(ws) && full(ws, every) && !blockedWorkspaces.includes(ws))
        blockedWorkspaces.push(ws);
    }
  }
  return { blockedWorkspaces, onlyWorkspaces, blockedKeys };
}

function splitKey(k: string): [string, string | undefined] {
  const [ws, , key] = k.split('\u0000');
  return [ws!, key === undefined ? undefined : key];
}

/** Runs the steps synchronously (SQLite, inside the caller's transaction). */
export function runSync<T>(steps: Generator<Step, T, unknown>, ops: FlowOps<'sync'>): T {
  let next = steps.next();
  while (!next.done) next = steps.next(next.value.run(ops));
  return next.value;
}

/** Runs the steps with the database's answers awaited (PostgreSQL). */
export async function runAsync<T>(steps: Generator<Step, T, unknown>, ops: FlowOps<'async'>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await next.value.run(ops));
  return next.value;
}
