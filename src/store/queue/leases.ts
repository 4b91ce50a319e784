import type { Store } from '../store.js';

// What a worker does while it holds jobs: keep their leases, learn of cancel requests, report progress.
// Every write is guarded by `lease_owner`, so a worker whose lease was reaped changes nothing.

/** Extends the leases of the jobs this worker holds; returns each still-held job's status. */
export async function renewLeases(
  store: Store,
  workerId: string,
  ids: string[],
  leaseMs: number,
  now: number,
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await store.db
    .updateTable('jobs')
    .set({ lease_expires_at: now + leaseMs })
    .where('lease_owner', '=', workerId)
    .where('id', 'in', ids)
    .returning(['id', 'status'])
    .execute();
  return new Map(rows.map((r) => [r.id, r.status]));
}

/**
 * The ids among these jobs held by this worker whose cancellation was requested. Looked up by id (the
 * worker knows what it holds), so the check costs the same however many jobs the table keeps.
 */
export async function cancellingHeldBy(store: Store, workerId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await store.db
    .selectFrom('jobs')
    .select('id')
    .where('id', 'in', ids)
    .where('lease_owner', '=', workerId)
    .where('status', '=', 'cancelling')
    .execute();
  return rows.map((r) => r.id);
}

export async function reportProgress(
  store: Store,
  workerId: string,
  id: string,
  percent: number,
  message: string | null,
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('jobs')
    .set((eb) => ({ progress: percent, progress_message: message, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
