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

export async function listAttempts(db: Executor, jobId: string): Promise<JobAttemptsTable[]> {
  return db
    .selectFrom('job_attempts')
    .selectAll()
    .where('job_id', '=', jobId)
    .orderBy('started_at')
    .orderBy('number')
    .execute();
}
