import { CompiledQuery } from 'kysely';
import type { Transaction as SQLiteTransaction } from 'better-sqlite3';
import { repeatedTuples } from '../batch-sql.js';
import { createdEventInserts, writeCreatedEvents } from '../created-events.js';
import {
  CLAIM_COLUMNS,
  SHAPES,
  jobColumns,
  jobFields,
  shapeOf,
  type InsertClaim,
  type NewJobRow,
} from '../job-inserts.js';
import type { Executor } from '../store.js';
import type { RawHandle } from './dialect.js';

// Jobs on SQLite: the INSERT's text is built once per batch size and its values are bound as one flat
// list (building it through the query builder cost a large part of a batch's insert).

type SqliteRaw = Extract<RawHandle, { kind: 'sqlite' }>;

/** A statement binds a limited number of values (SQLite 32,766), so a batch is inserted in chunks. */
const MAX_VALUES = 32_766;
const MAX_ROWS = 1000;

type NumberedInsert = (
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
) => number | undefined;

const RESERVE_WORKSPACE_NUMBERS =
  'UPDATE workspaces SET job_counter = job_counter + ? WHERE id = ? RETURNING job_counter';
const RESERVE_PROJECT_NUMBERS =
  'UPDATE projects SET job_counter = job_counter + ? WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL RETURNING job_counter';

/** The counter's statement and its values, for `count` jobs of the project (or of none). */
function reserveNumbers(workspaceId: string, projectId: string | null, count: number): [string, unknown[]] {
  return projectId === null
    ? [RESERVE_WORKSPACE_NUMBERS, [count, workspaceId]]
    : [RESERVE_PROJECT_NUMBERS, [count, projectId, workspaceId]];
}

/** Sets the jobs' numbers from the counter after its increment; returns the first. */
function numberJobs(jobs: NewJobRow[], counter: number): number {
  const first = counter - jobs.length + 1;
  jobs.forEach((j, index) => (j.number = first + index));
  return first;
}

/**
 * On its own: one synchronous better-sqlite3 transaction (made once per connection: making one costs
 * more than running it). Through Kysely's transaction and query builder, the JavaScript between the
 * statements took about as long as the statements and the commit's write together.
 */
export function sqliteNumberedInsert(raw: SqliteRaw): SQLiteTransaction<NumberedInsert> {
  return raw.db.transaction<NumberedInsert>((workspaceId, projectId, jobs, claim) => {
    const [counter, params] = reserveNumbers(workspaceId, projectId, jobs.length);
    const row = raw.prepare(counter).get(params) as { job_counter: number } | undefined;
    if (row === undefined) return undefined;
    const first = numberJobs(jobs, row.job_counter);
    for (const { text, values } of jobInserts(jobs, claim)) raw.prepare(text).run(values);
    for (const e of createdEventInserts(jobs, claim)) raw.prepare(e.text).run(e.values);
    return first;
  });
}

/** The same statements in the caller's transaction, through its connection. */
export async function sqliteInsertNumberedIn(
  trx: Executor,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
): Promise<number | undefined> {
  const [counter, params] = reserveNumbers(workspaceId, projectId, jobs.length);
  const { rows } = await trx.executeQuery<{ job_counter: number }>(CompiledQuery.raw(counter, params));
  if (rows[0] === undefined) return undefined;
  const first = numberJobs(jobs, rows[0].job_counter);
  for (const { text, values } of jobInserts(jobs, undefined)) await trx.executeQuery(CompiledQuery.raw(text, values));
  await writeCreatedEvents(trx, jobs);
  return first;
}

const STATUS = jobColumns(0).indexOf('status');
const STATUS_REASON = jobColumns(0).indexOf('status_reason');

/** Statement texts by batch size (see repeatedTuples), by [claimed][shape]. */
const insertSql = [0, 1].map(() => [0, 1, 2, 3].map(() => new Map<number, string>()));
/**
 * The columns written, by [claimed][shape]. event_seq (SQLite migration 0025): a job inserted claimed
 * starts with two events, created and running.
 */
const INSERT_COLUMNS = [0, 1].map((claimed) =>
  SHAPES.map((shape) => (claimed ? [...jobColumns(shape), ...CLAIM_COLUMNS, 'event_seq'] : jobColumns(shape))),
);

/** The value functions of a job INSERT's columns, by shape, in column order. */
const VALUES = SHAPES.map((shape) => jobFields(shape).map(([, , value]) => value));

/**
 * The INSERTs of the jobs, as many rows each as a statement can bind. The jobs `claim` names are
 * written as a claim leaves them (created-events.ts gives them its events). Plain indexed loops: a
 * lone job's insert runs cold after an idle pause, where iterators and destructuring cost most.
 */
function jobInserts(jobs: NewJobRow[], claim: InsertClaim | undefined): { text: string; values: unknown[] }[] {
  const shape = shapeOf(jobs);
  const value = VALUES[shape]!;
  const columns = INSERT_COLUMNS[claim === undefined ? 0 : 1]![shape]!;
  const texts = insertSql[claim === undefined ? 0 : 1]![shape]!;
  const chunk = Math.min(MAX_ROWS, Math.floor(MAX_VALUES / columns.length));
  const inserts: { text: string; values: unknown[] }[] = [];
  for (let start = 0; start < jobs.length; start += chunk) {
    const end = Math.min(jobs.length, start + chunk);
    const text = repeatedTuples(
      texts,
      end - start,
      columns.length,
      (tuples) => `INSERT INTO jobs (${columns.join(', ')}) VALUES ${tuples}`,
    );
    const values: unknown[] = [];
    for (let n = start; n < end; n++) {
      const j = jobs[n]!;
      const row = values.length;
      for (let k = 0; k < value.length; k++) values.push(value[k]!(j));
      if (claim === undefined) continue;
      if (claim.ids.has(j.id)) {
        values[row + STATUS] = 'running';
        values[row + STATUS_REASON] = 'claimed';
        values.push(1, claim.workerId, claim.leaseExpiresAt, j.now, j.now, 2, 2);
      } else values.push(0, null, null, null, null, 1, 1);
    }
    inserts.push({ text, values });
  }
  return inserts;
}
