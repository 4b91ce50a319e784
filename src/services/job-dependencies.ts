import { validationFailed } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import { findStatuses } from '../store/jobs.js';
import type { Executor } from '../store/store.js';
import type { CreateJobInput } from './job-creation.js';

/** What a new job depends on, and what that means for its start. */
export interface Dependencies {
  ids: string[];
  /** Some dependency is still unfinished: the job waits. */
  waiting: boolean;
  /** A dependency that failed or was cancelled: the job fails at once, naming it. */
  failed: string | undefined;
}

export const NO_DEPENDENCIES: Dependencies = { ids: [], waiting: false, failed: undefined };

/**
 * The dependencies of each job of a batch: other jobs of the workspace by id, or jobs of the batch by
 * `ref` (given their new ids `newIds`), checked to exist and not to form a cycle.
 */
export async function resolveDependencies(
  db: Executor,
  workspaceId: string,
  inputs: CreateJobInput[],
  newIds: string[],
  pointer: (index: number, field: string) => string,
): Promise<Dependencies[]> {
  // References to jobs of the same batch, by `ref`, become their new ids.
  const byRef = new Map<string, number>();
  inputs.forEach((i, index) => {
    if (i.ref === undefined) return;
    if (byRef.has(i.ref))
      throw validationFailed([
        {
          pointer: pointer(index, 'ref'),
          detail: `ref ${JSON.stringify(i.ref)} is used by more than one job of the batch`,
        },
      ]);
    byRef.set(i.ref, index);
  });
  const edges = inputs.map((i) =>
    [...new Set(i.dependsOn ?? [])].map((d) => (byRef.has(d) ? newIds[byRef.get(d)!]! : d)),
  );
  const inBatch = new Map(newIds.map((id, index) => [id, index]));
  const cycle = findCycle(edges.map((ds) => ds.filter((d) => inBatch.has(d)).map((d) => inBatch.get(d)!)));
  if (cycle !== undefined) {
    throw validationFailed([
      {
        pointer: pointer(cycle[0]!, 'depends_on'),
        detail: `jobs ${cycle.join(' → ')} of the batch depend on each other in a cycle`,
      },
    ]);
  }
  // Only well-formed ids can name existing jobs (PostgreSQL would reject the rest as uuids).
  const existing = [...new Set(edges.flat().filter((d) => !inBatch.has(d) && isUuid(d)))];
  // With several writers, a dependency could end between this read and the new job's commit, and its
  // ending would not see the new job waiting on it: the rows are locked until this transaction ends.
  const found = new Map((await findStatuses(db, workspaceId, existing, { lock: true })).map((j) => [j.id, j.status]));
  return edges.map((ids, index) => {
    const unknown = ids.filter((id) => !inBatch.has(id) && !found.has(id));
    if (unknown.length > 0) {
      throw validationFailed(
        unknown.map((id) => ({
          pointer: pointer(index, 'depends_on'),
          detail: `no job with id ${JSON.stringify(id)} exists in this workspace, and no job of the batch has this ref`,
        })),
      );
    }
    const statuses = ids.map((id) => [id, inBatch.has(id) ? 'pending' : found.get(id)!] as const);
    const failed = statuses.find(
      ([, status]) => status === 'failed' || status === 'cancelled' || status === 'cancelling',
    )?.[0];
    return { ids, waiting: statuses.some(([, status]) => status !== 'succeeded'), failed };
  });
}

/** A cycle among batch items (by index), or undefined; `edges[i]` are the items i depends on. */
export function findCycle(edges: number[][]): number[] | undefined {
  const state = new Array<0 | 1 | 2>(edges.length).fill(0); // unvisited, on the path, done
  const path: number[] = [];
  const visit = (node: number): number[] | undefined => {
    if (state[node] === 2) return undefined;
    if (state[node] === 1) return [...path.slice(path.indexOf(node)), node];
    state[node] = 1;
    path.push(node);
    for (const next of edges[node]!) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    path.pop();
    state[node] = 2;
    return undefined;
  };
  for (let i = 0; i < edges.length; i++) {
    const found = visit(i);
    if (found !== undefined) return found;
  }
  return undefined;
}
