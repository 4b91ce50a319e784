import { dialectOf } from '../dialect/dialect.js';
import type { JobAttemptsTable } from '../schema.js';
import type { Executor } from '../store.js';

export interface Attempt {
  jobId: string;
  number: number;
  startedAt: number;
  outcome: JobAttemptsTable['outcome'];
  error?: { message: string; code?: string | undefined; stack?: string | undefined } | undefined;
}

const STACK_LIMIT = 4000;

/** Error text comes from handlers; NUL and lone surrogates (which PostgreSQL refuses) become U+FFFD. */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** The attempt's row; typed with the worker given, so a row of a known worker needs no copy to say so. */
export function attemptRow<W extends string | null>(
  a: Attempt,
  workerId: W,
  now: number,
): JobAttemptsTable & { worker: W } {
  return {
    job_id: a.jobId,
    number: a.number,
    worker: workerId,
    started_at: a.startedAt,
    finished_at: now,
    outcome: a.outcome,
    error_message: a.error === undefined ? null : storableText(a.error.message.slice(0, 2000)),
    error_code: a.error?.code ?? null,
    error_stack: a.error?.stack === undefined ? null : storableText(a.error.stack.slice(0, STACK_LIMIT)),
  };
}

export async function recordAttempts(db: Executor, rows: JobAttemptsTable[]): Promise<void> {
  if (rows.length > 0) await dialectOf(db).recordAttempts(db, rows);
}

/** The job row's columns that hold its succeeded attempt (migration 0043). */
export interface SucceededAttemptColumns {
  id: string;
  attempts: number;
  attempt_started_at: number | null;
  completed_at: number | null;
  succeeded_by: string | null;
}

/**
 * The job's attempts: the rows of job_attempts (in start order), then the succeeded attempt its own
 * row holds, if any (migration 0043). A job succeeds once and stays succeeded, so that attempt is its
 * last.
 */
export function withSucceededAttempt(rows: JobAttemptsTable[], job: SucceededAttemptColumns): JobAttemptsTable[] {
  if (job.succeeded_by === null) return rows;
  const succeeded: JobAttemptsTable = {
    job_id: job.id,
    number: Number(job.attempts),
    worker: job.succeeded_by,
    started_at: Number(job.attempt_started_at ?? job.completed_at),
    finished_at: job.completed_at === null ? null : Number(job.completed_at),
    outcome: 'succeeded',
    error_message: null,
    error_code: null,
    error_stack: null,
  };
  return [...rows, succeeded];
}

export async function listAttempts(db: Executor, jobId: string): Promise<JobAttemptsTable[]> {
  const [rows, job] = await Promise.all([
    db
      .selectFrom('job_attempts')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('started_at')
      .orderBy('number')
      .execute(),
    db
      .selectFrom('jobs')
      .select(['id', 'attempts', 'attempt_started_at', 'completed_at', 'succeeded_by'])
      .where('id', '=', jobId)
      .executeTakeFirst(),
  ]);
  return job === undefined ? rows : withSucceededAttempt(rows, job);
}
