import { CompiledQuery } from 'kysely';
import type { Transaction as SQLiteTransaction } from 'better-sqlite3';
import { repeatedTuples } from '../batch-sql.js';
import { CLAIM_COLUMNS, hasOrigin, machineJobColumns, type InsertClaim, type NewJobRow } from '../job-inserts.js';
import type { Executor } from '../store.js';
import type { RawHandle } from './dialect.js';

// Jobs on SQLite: the INSERT's text is built once per batch size and its values are bound as one flat
// list (building it through the query builder cost a large part of a batch's insert).

type SqliteRaw = Extract<RawHandle, { kind: 'sqlite' }>;

/** A statement binds a limited number of values (SQLite 32,766): 18 to 28 per job, so 1,000 jobs per INSERT. */
const CHUNK = 1000;

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

/**
 * One synchronous better-sqlite3 transaction (made once per connection: making one costs more than
 * running it). Through Kysely's transaction and query builder, the JavaScript between the statements
 * took about as long as the statements and the commit's write together.
 */
export function sqliteNumberedInsert(raw: SqliteRaw): SQLiteTransaction<NumberedInsert> {
  return raw.db.transaction<NumberedInsert>((workspaceId, projectId, jobs, claim) => {
    const counter = raw.prepare(projectId === null ? RESERVE_WORKSPACE_NUMBERS : RESERVE_PROJECT_NUMBERS);
    const row = (
      projectId === null ? counter.get(jobs.length, workspaceId) : counter.get(jobs.length, projectId, workspaceId)
    ) as { job_counter: number } | undefined;
    if (row === undefined) return undefined;
    const first = row.job_counter - jobs.length + 1;
    jobs.forEach((j, index) => (j.number = first + index));
    for (let i = 0; i < jobs.length; i += CHUNK) {
      const { text, values } = machineJobRows(jobs.slice(i, i + CHUNK), claim);
      raw.prepare(text).run(values);
    }
    return first;
  });
}

export async function sqliteInsertMachineJobs(db: Executor, jobs: NewJobRow[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += CHUNK) {
    const { text, values } = machineJobRows(jobs.slice(i, i + CHUNK), undefined);
    await db.executeQuery(CompiledQuery.raw(text, values));
  }
}

/** Statement texts by batch size (see repeatedTuples), by [claimed][origin]. */
const insertSql = [0, 1].map(() => [new Map<number, string>(), new Map<number, string>()]);

/** The jobs `claim` names are written as a claim leaves them (migration 0018 gives them its events). */
function machineJobRows(jobs: NewJobRow[], claim: InsertClaim | undefined): { text: string; values: unknown[] } {
  // event_seq (SQLite migration 0025): a job inserted claimed starts with two events, created and running.
  const origin = hasOrigin(jobs);
  const base = machineJobColumns(origin);
  const columns = claim === undefined ? base : [...base, ...CLAIM_COLUMNS, 'event_seq'];
  const text = repeatedTuples(
    insertSql[claim === undefined ? 0 : 1]![origin ? 1 : 0]!,
    jobs.length,
    columns.length,
    (tuples) => `INSERT INTO jobs (${columns.join(', ')}) VALUES ${tuples}`,
  );
  const values: unknown[] = [];
  for (const j of jobs) {
    const claimed = claim?.ids.has(j.id) === true;
    // machineJobFields' values, written out: calling its functions per job costs more here.
    values.push(
      j.id,
      j.workspaceId,
      j.projectId,
      j.number,
      j.type,
      j.name,
      claimed ? 'running' : j.status,
      claimed ? 'claimed' : j.statusReason,
      j.priority,
      JSON.stringify(j.input ?? {}),
      j.maxAttempts,
      j.runAt,
      j.timeoutMs,
      j.error === undefined ? null : JSON.stringify(j.error),
      j.status === 'failed' ? j.now : null,
      j.now,
      j.now,
      j.callbackUrl ?? null,
    );
    if (origin) values.push(j.scheduleId ?? null, j.traceparent ?? null, j.tracestate ?? null);
    if (claim === undefined) continue;
    if (claimed) values.push(1, claim.workerId, claim.leaseExpiresAt, j.now, j.now, 2, 2);
    else values.push(0, null, null, null, null, 1, 1);
  }
  return { text, values };
}
