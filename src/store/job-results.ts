import type { Selectable } from 'kysely';
import type { DocumentSegmentsTable, JobErrorsTable } from './schema.js';
import type { Executor } from './store.js';

export type JobErrorRow = Selectable<JobErrorsTable>;
export type SegmentRow = Selectable<DocumentSegmentsTable>;

/** Replaces a job's recorded errors (a retried attempt starts over). */
export async function replaceJobErrors(
  db: Executor,
  jobId: string,
  errors: Omit<JobErrorRow, 'job_id' | 'seq'>[],
): Promise<void> {
  await db.deleteFrom('job_errors').where('job_id', '=', jobId).execute();
  for (let i = 0; i < errors.length; i += 500) {
    await db
      .insertInto('job_errors')
      .values(errors.slice(i, i + 500).map((e, j) => ({ ...e, job_id: jobId, seq: i + j + 1 })))
      .execute();
  }
}

export async function listJobErrors(
  db: Executor,
  jobId: string,
  afterSeq: number,
  limit: number,
): Promise<JobErrorRow[]> {
  return db
    .selectFrom('job_errors')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function replaceSegments(
  db: Executor,
  jobId: string,
  segments: Omit<SegmentRow, 'job_id'>[],
): Promise<void> {
  await db.deleteFrom('document_segments').where('job_id', '=', jobId).execute();
  for (let i = 0; i < segments.length; i += 500) {
    await db
      .insertInto('document_segments')
      .values(segments.slice(i, i + 500).map((s) => ({ ...s, job_id: jobId })))
      .execute();
  }
}

export async function listSegments(
  db: Executor,
  jobId: string,
  afterIdx: number,
  limit: number,
): Promise<SegmentRow[]> {
  return db
    .selectFrom('document_segments')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('idx', '>', afterIdx)
    .orderBy('idx')
    .limit(limit)
    .execute();
}

export async function countJobErrors(db: Executor, jobId: string): Promise<number> {
  const row = await db
    .selectFrom('job_errors')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
