import { expireBatchRows } from './event-timeline.js';
import type { Executor, Store } from './store.js';

/**
 * Finished jobs older than the retention period are emptied (input, output and error cleared, files
 * removed) and marked expired; the row stays as a tombstone so the API can answer 410 Gone rather
 * than 404 for an id that did exist. Returns the ids of the files to delete from disk.
 */
export async function expireFinishedJobs(
  db: Executor,
  finishedBefore: number,
  now: number,
  limit: number,
): Promise<{ jobs: number; fileIds: string[] }> {
  const jobs = await db
    .selectFrom('jobs')
    .select('id')
    .where('completed_at', '<=', finishedBefore)
    .where('expired_at', 'is', null)
    .where('status', 'in', ['succeeded', 'failed', 'cancelled'])
    .limit(limit)
    .execute();
  if (jobs.length === 0) return { jobs: 0, fileIds: [] };
  const ids = jobs.map((j) => j.id);
  const files = await db.selectFrom('files').select('id').where('job_id', 'in', ids).execute();
  const fileIds = files.map((f) => f.id);
  if (fileIds.length > 0) await db.deleteFrom('files').where('id', 'in', fileIds).execute();
  // The timeline goes with the job's content; the tombstone keeps none.
  await db.deleteFrom('job_events').where('job_id', 'in', ids).execute();
  await db
    .updateTable('jobs')
    .set((eb) => ({
      expired_at: now,
      input: '{}',
      output: null,
      error: null,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', 'in', ids)
    .execute();
  return { jobs: ids.length, fileIds };
}

/**
 * Batch rows of events (the created, running and succeeded events of one statement, migration 0030)
 * whose jobs are all tombstones or gone, created before `createdBefore` (a batch is
 * never younger than its jobs' completion). Returns how many went.
 */
export async function expireEventBatches(
  db: Executor,
  store: Store,
  createdBefore: number,
  limit: number,
): Promise<number> {
  return expireBatchRows(db, store, createdBefore, limit);
}

/** Uploaded files past their expiry; returns their ids for deletion from disk. */
export async function expireUploads(db: Executor, now: number, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('files').select('id').where('expires_at', '<=', now).limit(limit).execute();
  const ids = rows.map((r) => r.id);
  if (ids.length > 0) await db.deleteFrom('files').where('id', 'in', ids).execute();
  return ids;
}

/** Finished webhook deliveries (and their attempts) created before `before`. */
export async function expireDeliveries(db: Executor, before: number, limit: number): Promise<number> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('created_at', '<', before)
    .where('status', 'in', ['succeeded', 'failed'])
    .limit(limit)
    .execute();
  if (rows.length === 0) return 0;
  await db
    .deleteFrom('webhook_attempts')
    .where(
      'delivery_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  await db
    .deleteFrom('webhook_deliveries')
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.length;
}
