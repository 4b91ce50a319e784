import type { Selectable } from 'kysely';
import { historyOfJobs } from './event-timeline.js';
import type { TextKingCallbacksTable } from './schema.js';
import type { Executor, Store } from './store.js';

// TextKing callbacks (migration 0011): a job's registrations, each a URL to be sent the job's ids when
// the job reaches `trigger_state`. They go with their job (ON DELETE CASCADE).

export interface TextKingCallback {
  id: string;
  workspaceId: string;
  jobId: string;
  url: string;
  triggerState: string;
  extraData: string | null;
  createdAt: number;
  updatedAt: number;
}

function toCallback(r: Selectable<TextKingCallbacksTable>): TextKingCallback {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    jobId: r.job_id,
    url: r.url,
    triggerState: r.trigger_state,
    extraData: r.extra_data,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export async function insertTextKingCallback(db: Executor, c: TextKingCallback): Promise<void> {
  await db
    .insertInto('textking_callbacks')
    .values({
      id: c.id,
      workspace_id: c.workspaceId,
      job_id: c.jobId,
      url: c.url,
      trigger_state: c.triggerState,
      extra_data: c.extraData,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })
    .execute();
}

export async function findTextKingCallback(
  db: Executor,
  jobId: string,
  id: string,
): Promise<TextKingCallback | undefined> {
  const row = await db
    .selectFrom('textking_callbacks')
    .selectAll()
    .where('id', '=', id)
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return row === undefined ? undefined : toCallback(row);
}

/** A job's callbacks in registration order (ids are UUIDv7). */
export async function listTextKingCallbacks(
  db: Executor,
  jobId: string,
  offset: number,
  limit: number,
): Promise<{ callbacks: TextKingCallback[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('textking_callbacks')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('id')
      .offset(offset)
      .limit(limit)
      .execute(),
    db
      .selectFrom('textking_callbacks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow(),
  ]);
  return { callbacks: rows.map(toCallback), total: Number(count.n) };
}

export async function updateTextKingCallback(
  db: Executor,
  c: Pick<TextKingCallback, 'id' | 'jobId' | 'url' | 'triggerState' | 'extraData' | 'updatedAt'>,
): Promise<boolean> {
  const result = await db
    .updateTable('textking_callbacks')
    .set({ url: c.url, trigger_state: c.triggerState, extra_data: c.extraData, updated_at: c.updatedAt })
    .where('id', '=', c.id)
    .where('job_id', '=', c.jobId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteTextKingCallback(db: Executor, jobId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('textking_callbacks')
    .where('id', '=', id)
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The callbacks of these jobs, for the dispatcher. */
export async function textkingCallbacksOfJobs(db: Executor, jobIds: string[]): Promise<TextKingCallback[]> {
  if (jobIds.length === 0) return [];
  const rows = await db
    .selectFrom('textking_callbacks')
    .selectAll()
    .where('job_id', 'in', jobIds)
    .orderBy('id')
    .execute();
  return rows.map(toCallback);
}

/** Every event of these jobs, by job and seq: the history the callbacks' states are computed from (compat/textking/callbacks.ts). */
export async function statusHistoryOfJobs(
  db: Executor,
  store: Store,
  jobIds: string[],
): Promise<{ jobId: string; seq: number; name: string; data: Record<string, unknown> }[]> {
  if (jobIds.length === 0) return [];
  const rows = await historyOfJobs(db, store, jobIds);
  return rows.map((r) => ({
    jobId: r.job_id,
    seq: Number(r.seq),
    name: r.name,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
  }));
}
