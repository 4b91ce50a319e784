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

export interface SegmentTotals {
  segments: number;
  words: number;
  /** Segments with a target that is not empty. */
  translated: number;
}

/** Each job's segment totals in one query; a job without segments is absent from the map. */
export async function segmentTotals(db: Executor, jobIds: readonly string[]): Promise<Map<string, SegmentTotals>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('document_segments')
    .select((eb) => [
      'job_id',
      eb.fn.countAll<number>().as('segments'),
      eb.fn.sum<number>('words').as('words'),
      eb.fn
        .count<number>(
          eb
            .case()
            .when(eb.and([eb('target', 'is not', null), eb('target', '!=', '')]))
            .then(1)
            .end(),
        )
        .as('translated'),
    ])
    .where('job_id', 'in', [...jobIds])
    .groupBy('job_id')
    .execute();
  return new Map(
    rows.map((r) => [
      r.job_id,
      { segments: Number(r.segments), words: Number(r.words ?? 0), translated: Number(r.translated) },
    ]),
  );
}
