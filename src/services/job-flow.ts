import { validationFailed } from '../core/errors.js';
import { flowProblems, type FlowControl, type FlowState } from '../core/flow.js';
import type { Registry } from '../core/registry.js';
import * as stored from '../store/job-flow.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';

// Flow control of job types (docs/flow-control.md): what code declares (defineJob's `flow`) holds in
// every workspace; a workspace replaces it with its own through the API, pauses and resumes a type,
// and deletes its own to return to the code's. The claim enforces it (store/queue/flow-claim.ts).

export interface FlowView extends FlowState {
  type: string;
  /** Whose settings hold: the code's (defineJob), the workspace's own (set through the API), or none. */
  source: 'code' | 'api' | null;
  version: number | null;
  updatedAt: number | null;
}

/** Writes what the process's code declares, for every workspace, before any of its workers claims. */
export async function syncDeclaredFlows(db: Executor, registry: Registry, now: number): Promise<void> {
  const declared = new Map<string, FlowState>();
  for (const type of registry.types()) {
    const flow = registry.get(type)?.flow;
    if (flow !== undefined) declared.set(type, { ...flow, paused: false });
  }
  // Nothing declared and nothing stored: no statement but the one that finds nothing stored.
  await stored.syncCodeFlows(db, registry.types(), declared, now);
  stored.forgetControlled(db);
}

const view = (type: string, f: stored.StoredFlow | undefined): FlowView =>
  f === undefined
    ? { type, source: null, paused: false, version: null, updatedAt: null }
    : {
        ...f.flow,
        type,
        source: f.workspaceId === stored.EVERY_WORKSPACE ? 'code' : 'api',
        version: f.version,
        updatedAt: f.updatedAt,
      };

export async function getFlow(services: Services, workspaceId: string, type: string): Promise<FlowView> {
  return view(type, await stored.findFlow(services.store.db, workspaceId, type));
}

/** The flow of every type that has one in the workspace, by type. */
export async function listFlows(services: Services, workspaceId: string): Promise<Map<string, FlowView>> {
  const flows = await stored.listFlows(services.store.db, workspaceId);
  return new Map([...flows].map(([type, f]) => [type, view(type, f)]));
}

/**
 * Sets the workspace's own flow of a type (a 422 naming each bad field); a paused type stays paused.
 * Fields left out have no limit: the settings replace the code's as a whole.
 */
export async function putFlow(
  services: Services,
  workspaceId: string,
  type: string,
  flow: FlowControl,
  pointer = '#',
): Promise<FlowView> {
  checkFlow(flow, pointer);
  return write(services, workspaceId, type, (current) => ({ ...flow, paused: current?.flow.paused ?? false }));
}

/** A 422 naming each problem of `flow` under `pointer`. */
export function checkFlow(flow: FlowControl, pointer = '#'): void {
  const problems = flowProblems(flow, pointer);
  if (problems.length > 0) throw validationFailed(problems);
}

/** Pauses (no new claims; claimed jobs finish) or resumes a type in the workspace, keeping its limits. */
export async function setPaused(
  services: Services,
  workspaceId: string,
  type: string,
  paused: boolean,
): Promise<FlowView> {
  return write(services, workspaceId, type, (current) => ({ ...current?.flow, paused }));
}

/** Removes the workspace's own flow of the type: the code's declaration holds again, or none. */
export async function deleteFlow(services: Services, workspaceId: string, type: string): Promise<FlowView> {
  await stored.deleteFlow(services.store.db, workspaceId, type);
  stored.forgetControlled(services.store.db);
  return getFlow(services, workspaceId, type);
}

async function write(
  services: Services,
  workspaceId: string,
  type: string,
  next: (current: stored.StoredFlow | undefined) => FlowState,
): Promise<FlowView> {
  const result = await services.store.transaction(async (trx) => {
    const current = await stored.findFlow(trx, workspaceId, type);
    return stored.putFlow(trx, { workspaceId, type, flow: next(current), source: 'api', now: services.clock.now() });
  });
  stored.forgetControlled(services.store.db);
  // Jobs a resume (or a higher limit) lets run are claimed at once rather than at the next poll.
  services.wakeups.jobsAdded();
  return view(type, result);
}
