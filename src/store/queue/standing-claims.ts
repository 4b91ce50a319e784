import type { ClaimedJob } from '../../core/job.js';
import type { Store } from '../store.js';
import { toClaimedJob } from './claim.js';

// A worker's standing claim (store/dialect/dialect.ts standingClaims): the claim leaves it, new jobs
// inserted claimed by it are told to it on the `handoff` wake-up; these read back what it was given
// when that wake-up did not carry the jobs, and withdraw the claim when the worker stops.

/**
 * Jobs running under this worker's lease: those of `ids`, or all of them, or with `handedOver` only
 * those inserted claimed by it (their first attempt started as they were created), which a claim of
 * its own under way cannot have returned.
 */
export async function jobsLeasedTo(
  store: Store,
  workerId: string,
  o: { ids?: readonly string[]; handedOver?: boolean } = {},
): Promise<ClaimedJob[]> {
  if (o.ids !== undefined && o.ids.length === 0) return [];
  let query = store.db
    .selectFrom('jobs')
    .select(['id', 'workspace_id', 'project_id', 'type', 'input', 'attempts', 'max_attempts', 'timeout_ms'])
    .where('lease_owner', '=', workerId)
    .where('status', '=', 'running');
  if (o.ids !== undefined) query = query.where('id', 'in', o.ids);
  if (o.handedOver === true) query = query.where('attempts', '=', 1).whereRef('attempt_started_at', '=', 'created_at');
  return (await query.execute()).map(toClaimedJob);
}

/** Deletes the worker's standing claim; once it returns, no insert can hand it more jobs. */
export function withdrawStandingClaim(store: Store, workerId: string): Promise<void> {
  return store.dialect.withdrawStandingClaim(workerId);
}
