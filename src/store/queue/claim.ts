import type { ClaimedJob } from '../../core/job.js';
import { anyControlled } from '../job-flow.js';
import type { JobRow } from '../jobs.js';
import { parseJson } from '../schema.js';
import type { Store } from '../store.js';

export interface ClaimOptions {
  workerId: string;
  types: string[];
  limit: number;
  leaseMs: number;
  now: number;
  /** Only jobs of this workspace (a remote worker's claim, src/services/worker-claims.ts); any when absent. */
  workspaceId?: string | undefined;
  /**
   * Leave a standing claim for this many free slots if the claim runs out of jobs, until `until`
   * (where the dialect has standingClaims; any workspace only), counted when the worker had heard of
   * `seen` jobs handed to it through the claim; without it, any standing claim is left as it is.
   */
  wait?: { slots: number; until: number; seen: number } | undefined;
}

/**
 * Takes up to `limit` runnable jobs: best priority first, then oldest. PostgreSQL skips rows other
 * workers are locking (FOR UPDATE SKIP LOCKED), so many workers never queue behind each other; on
 * SQLite the claim's transaction holds the database's one write lock.
 */
export async function claimJobs(store: Store, o: ClaimOptions): Promise<ClaimedJob[]> {
  if (o.types.length === 0 || o.limit <= 0) return [];
  const rows = await store.dialect.claim(o);
  // Types with flow control are claimed apart, within their limits (flow-claim.ts).
  if (rows.length < o.limit && (await anyControlled(store.db, o.types, o.workspaceId)))
    rows.push(...(await store.dialect.claimLimited({ ...o, limit: o.limit - rows.length })));
  return rows.map(toClaimedJob);
}

/** The columns a claim reads back (ClaimedJob); the PostgreSQL function returns the same (migration 0015). */
export type ClaimedRow = Pick<
  JobRow,
  'id' | 'workspace_id' | 'project_id' | 'type' | 'input' | 'attempts' | 'max_attempts' | 'timeout_ms'
>;

export function toClaimedJob(row: ClaimedRow): ClaimedJob {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    type: row.type,
    input: parseJson(row.input),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
  };
}
