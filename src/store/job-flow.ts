import type { Selectable } from 'kysely';
import { limitsClaim, type FlowState } from '../core/flow.js';
import type { JobTypeFlowTable } from './schema.js';
import type { Executor } from './store.js';

// The flow control of job types (migration 0031): a row per workspace and type set through the API,
// and rows of workspace '' for what code declares for every workspace.

/** The workspace of the rows code declares: they hold in every workspace without a row of its own. */
export const EVERY_WORKSPACE = '';

export type FlowRow = Selectable<JobTypeFlowTable>;

export interface StoredFlow {
  workspaceId: string;
  type: string;
  flow: FlowState;
  source: 'code' | 'api';
  version: number;
  updatedAt: number;
}

export function flowOfRow(r: FlowRow): FlowState {
  return {
    paused: Number(r.paused) === 1,
    ...(r.concurrency !== null ? { concurrency: Number(r.concurrency) } : {}),
    ...(r.key_concurrency !== null ? { keyConcurrency: Number(r.key_concurrency) } : {}),
    ...(r.rate_limit !== null
      ? {
          rateLimit: {
            limit: Number(r.rate_limit),
            intervalMs: Number(r.rate_interval_ms),
            perKey: Number(r.rate_per_key) === 1,
          },
        }
      : {}),
    deduplication: { includeRunning: Number(r.dedupe_running) === 1, replaceInput: Number(r.dedupe_replace) === 1 },
  };
}

const stored = (r: FlowRow): StoredFlow => ({
  workspaceId: r.workspace_id,
  type: r.type,
  flow: flowOfRow(r),
  source: r.source,
  version: Number(r.version),
  updatedAt: Number(r.updated_at),
});

function columns(flow: FlowState) {
  return {
    concurrency: flow.concurrency ?? null,
    key_concurrency: flow.keyConcurrency ?? null,
    rate_limit: flow.rateLimit?.limit ?? null,
    rate_interval_ms: flow.rateLimit?.intervalMs ?? null,
    rate_per_key: flow.rateLimit?.perKey === true ? 1 : 0,
    dedupe_running: flow.deduplication?.includeRunning === true ? 1 : 0,
    dedupe_replace: flow.deduplication?.replaceInput === true ? 1 : 0,
    paused: flow.paused ? 1 : 0,
  };
}

/** The rows of `types` that hold in a workspace (its own and the code's), or in any workspace when undefined. */
export async function flowRows(db: Executor, types: readonly string[], workspaceId?: string): Promise<FlowRow[]> {
  if (types.length === 0) return [];
  let q = db
    .selectFrom('job_type_flow')
    .selectAll()
    .where('type', 'in', [...types]);
  if (workspaceId !== undefined) q = q.where('workspace_id', 'in', [workspaceId, EVERY_WORKSPACE]);
  return q.execute();
}

/** The flow of a type in a workspace: its own row, else the code's; undefined when neither exists. */
export async function findFlow(db: Executor, workspaceId: string, type: string): Promise<StoredFlow | undefined> {
  const rows = await flowRows(db, [type], workspaceId);
  const row = rows.find((r) => r.workspace_id === workspaceId) ?? rows.find((r) => r.workspace_id === EVERY_WORKSPACE);
  return row === undefined ? undefined : stored(row);
}

/** Every flow that holds in a workspace, by type. */
export async function listFlows(db: Executor, workspaceId: string): Promise<Map<string, StoredFlow>> {
  const rows = await db
    .selectFrom('job_type_flow')
    .selectAll()
    .where('workspace_id', 'in', [workspaceId, EVERY_WORKSPACE])
    .execute();
  const byType = new Map<string, StoredFlow>();
  for (const r of rows.sort((a, b) =>
    a.workspace_id === EVERY_WORKSPACE ? -1 : b.workspace_id === EVERY_WORKSPACE ? 1 : 0,
  ))
    byType.set(r.type, stored(r));
  return byType;
}

/** Sets a workspace's own flow of a type (the API's), creating or replacing its row. */
export async function putFlow(
  db: Executor,
  f: { workspaceId: string; type: string; flow: FlowState; source: 'code' | 'api'; now: number },
): Promise<StoredFlow> {
  const values = columns(f.flow);
  await db
    .insertInto('job_type_flow')
    .values({ workspace_id: f.workspaceId, type: f.type, ...values, source: f.source, updated_at: f.now })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'type']).doUpdateSet((eb) => ({
        ...values,
        source: f.source,
        updated_at: f.now,
        version: eb(eb.ref('job_type_flow.version'), '+', 1),
      })),
    )
    .execute();
  return (await findFlow(db, f.workspaceId, f.type))!;
}

/** Removes a workspace's own flow of a type; returns whether there was one. */
export async function deleteFlow(db: Executor, workspaceId: string, type: string): Promise<boolean> {
  const result = await db
    .deleteFrom('job_type_flow')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', type)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Makes the code's rows (workspace '') those of `declared`, for the types this process defines: a
 * type's row is written when its declaration changed and removed when the code no longer declares one.
 */
export async function syncCodeFlows(
  db: Executor,
  definedTypes: readonly string[],
  declared: ReadonlyMap<string, FlowState>,
  now: number,
): Promise<void> {
  const current = new Map(
    (await flowRows(db, definedTypes))
      .filter((r) => r.workspace_id === EVERY_WORKSPACE)
      .map((r) => [r.type, JSON.stringify(columns(flowOfRow(r)))]),
  );
  for (const type of definedTypes) {
    const flow = declared.get(type);
    if (flow === undefined) {
      if (current.has(type)) await deleteFlow(db, EVERY_WORKSPACE, type);
    } else if (current.get(type) !== JSON.stringify(columns(flow))) {
      await putFlow(db, { workspaceId: EVERY_WORKSPACE, type, flow, source: 'code', now });
    }
  }
}

/** Which of `types` have flow control (in the workspace, or in any when undefined). */
export async function controlledTypes(db: Executor, types: readonly string[], workspaceId?: string): Promise<string[]> {
  return [...new Set((await flowRows(db, types, workspaceId)).map((r) => r.type))];
}

// Which types have flow control that limits the claim, as last read, per database handle. The plain
// claim leaves such types out by itself (migrations 0031, 0034); this only tells a claim whether to run
// the limited claim too, and the handoff which new jobs it must leave to a claim. It is read again at
// most once a second, and at once after a change made through this process.
const REFRESH_MS = 1000;
const controlled = new WeakMap<
  object,
  { readAt: number; rows: { workspace_id: string; type: string }[]; types: ReadonlySet<string> }
>();
const NONE: ReadonlySet<string> = new Set();

async function controlledRows(db: Executor): Promise<{ workspace_id: string; type: string }[]> {
  const cached = controlled.get(db);
  if (cached !== undefined && Date.now() - cached.readAt < REFRESH_MS) return cached.rows;
  const rows = (await db.selectFrom('job_type_flow').selectAll().execute())
    .filter((r) => limitsClaim(flowOfRow(r)))
    .map((r) => ({ workspace_id: r.workspace_id, type: r.type }));
  controlled.set(db, { readAt: Date.now(), rows, types: new Set(rows.map((r) => r.type)) });
  return rows;
}

/**
 * Whether any of `types` has flow control that limits the claim (in the workspace, or in any when
 * undefined), as read recently.
 */
export async function anyControlled(db: Executor, types: readonly string[], workspaceId?: string): Promise<boolean> {
  const rows = await controlledRows(db);
  if (rows.length === 0) return false;
  return rows.some(
    (r) =>
      types.includes(r.type) &&
      (workspaceId === undefined || r.workspace_id === workspaceId || r.workspace_id === EVERY_WORKSPACE),
  );
}

/**
 * The types whose flow control limits the claim in any workspace, as last read (empty before the first
 * read). The handoff asks on every insert, so the set is built once per read.
 */
export function controlledLately(db: Executor): ReadonlySet<string> {
  return controlled.get(db)?.types ?? NONE;
}

/** Forgets what was read, after a change of flow control. */
export function forgetControlled(db: Executor): void {
  controlled.delete(db);
}
