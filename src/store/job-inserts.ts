import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Transaction as SQLiteTransaction } from 'better-sqlite3';
import type pg from 'pg';
import type { Job, JobError } from '../core/job.js';
import type { StatusReason } from '../core/lifecycle.js';
import type { PeopleWork } from '../core/people.js';
import { repeatedTuples } from './batch-sql.js';
import { pgArray } from './pg-arrays.js';
import type { Executor, Store } from './store.js';

// Inserting jobs is the one write every client makes, and on PostgreSQL a new job's pickup is this
// insert alone (services/handoff.ts): its statements are plain text, written once at load, and only
// their values are built per call (building them through the query builder cost a visible share of
// the pickup).

/** A job to insert: the fields of a Job it is created with, and the time it is created at. */
export interface NewJobRow extends Pick<
  Job,
  | 'id'
  | 'workspaceId'
  | 'projectId'
  | 'number'
  | 'type'
  | 'name'
  | 'status'
  | 'priority'
  | 'input'
  | 'maxAttempts'
  | 'runAt'
  | 'timeoutMs'
> {
  statusReason: StatusReason;
  error?: JobError | undefined;
  callbackUrl?: string | null | undefined;
  /** The schedule creating the job (services/schedules.ts). */
  scheduleId?: string | undefined;
  /** The W3C trace context the job was created in (its `traceparent` and `tracestate` headers). */
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  /** Jobs done by people carry these; machine jobs leave them out. */
  people?: PeopleWork | undefined;
  now: number;
}

type Field = readonly [column: string, postgresType: string, value: (j: NewJobRow) => string | number | null];

/**
 * The columns a machine job is inserted with, with the PostgreSQL type of its unnest(…) array and its
 * value: the order of every machine-job INSERT's columns, and of machineJobRows' values.
 */
const MACHINE_JOB_FIELDS: readonly Field[] = [
  ['id', 'uuid', (j) => j.id],
  ['workspace_id', 'text', (j) => j.workspaceId],
  ['project_id', 'uuid', (j) => j.projectId],
  ['number', 'bigint', (j) => j.number],
  ['type', 'text', (j) => j.type],
  ['name', 'text', (j) => j.name],
  ['status', 'text', (j) => j.status],
  ['status_reason', 'text', (j) => j.statusReason],
  ['priority', 'int', (j) => j.priority],
  ['input', 'text', (j) => JSON.stringify(j.input ?? {})],
  ['max_attempts', 'int', (j) => j.maxAttempts],
  ['run_at', 'bigint', (j) => j.runAt],
  ['timeout_ms', 'bigint', (j) => j.timeoutMs],
  ['error', 'text', (j) => (j.error === undefined ? null : JSON.stringify(j.error))],
  ['completed_at', 'bigint', (j) => (j.status === 'failed' ? j.now : null)],
  ['created_at', 'bigint', (j) => j.now],
  ['updated_at', 'bigint', (j) => j.now],
  ['callback_url', 'text', (j) => j.callbackUrl ?? null],
];
/**
 * Columns only some jobs have (a schedule's, or one created in a trace): written only by statements
 * for batches where one of them is set, so the others insert what they did before these existed.
 */
const ORIGIN_FIELDS: readonly Field[] = [
  ['schedule_id', 'uuid', (j) => j.scheduleId ?? null],
  ['traceparent', 'text', (j) => j.traceparent ?? null],
  ['tracestate', 'text', (j) => j.tracestate ?? null],
];
const WITH_ORIGIN_FIELDS = [...MACHINE_JOB_FIELDS, ...ORIGIN_FIELDS];
const fieldsOf = (origin: boolean): readonly Field[] => (origin ? WITH_ORIGIN_FIELDS : MACHINE_JOB_FIELDS);
const columnsOf = (origin: boolean): string[] => fieldsOf(origin).map(([column]) => column);
const hasOrigin = (jobs: NewJobRow[]): boolean =>
  jobs.some((j) => j.scheduleId !== undefined || j.traceparent !== undefined);

/** The columns a claim sets, written after the job's own columns when new jobs are inserted claimed. */
const CLAIM_COLUMNS = [
  'attempts',
  'lease_owner',
  'lease_expires_at',
  'started_at',
  'attempt_started_at',
  'version',
] as const;

/**
 * PostgreSQL: the jobs as `v`, one row per job from unnest(…) of one array per column, bound as $1…$18
 * (…$21 with the origin columns), so a batch of 1,000 jobs is parsed and planned like a batch of one.
 */
const unnestJobs = (origin: boolean): string => `unnest(${fieldsOf(origin)
  .map(([, type], index) => `$${index + 1}::${type}[]`)
  .join(', ')})
    WITH ORDINALITY AS v(${columnsOf(origin).join(', ')}, position)`;
const unnestValues = (jobs: NewJobRow[], origin: boolean): unknown[] =>
  fieldsOf(origin).map(([, , value]) => pgArray(jobs.map(value)));

/** The columns' values from unnestJobs' `v`; `overrides` replaces some (the number, a claim's status). */
function jobValues(origin: boolean, overrides: Record<string, string>): string {
  return columnsOf(origin)
    .map((c) => overrides[c] ?? (c === 'input' || c === 'error' ? `v.${c}::jsonb` : `v.${c}`))
    .join(', ');
}

const INSERT_JOBS = [false, true].map(
  (origin) =>
    `INSERT INTO jobs (${columnsOf(origin).join(', ')}) SELECT ${jobValues(origin, {})} FROM ${unnestJobs(origin)}`,
);

/**
 * The statement numbering and inserting machine jobs of one project (or of none) on PostgreSQL: the
 * counter's increment and the rows in one statement, its own transaction, one round trip. Its
 * parameters follow unnestJobs': the count, the workspace, the project if any; then, when the jobs
 * are inserted claimed, the claimed ids, the worker and the lease's expiry. Those rows are written as
 * a claim leaves them (what jobline_claim sets; migration 0018 gives them the events of a claim too).
 */
function numberedInsert(project: boolean, claimed: boolean, origin: boolean): { name: string; text: string } {
  const columns = columnsOf(origin);
  const UNNEST_JOBS = unnestJobs(origin);
  let last = columns.length;
  const param = () => `$${++last}`;
  const count = param();
  const workspace = param();
  const counter = project
    ? `UPDATE projects SET job_counter = job_counter + ${count}::bigint WHERE id = ${param()}::uuid AND workspace_id = ${workspace}::text
        RETURNING job_counter - ${count}::bigint AS before`
    : `UPDATE workspaces SET job_counter = job_counter + ${count}::bigint WHERE id = ${workspace}::text RETURNING job_counter - ${count}::bigint AS before`;
  const number = 'counter.before + v.position';
  let insert = `INSERT INTO jobs (${columns.join(', ')}) SELECT ${jobValues(origin, { number })} FROM counter, ${UNNEST_JOBS}`;
  if (claimed) {
    const [ids, worker, lease] = [param(), param(), param()];
    const values = jobValues(origin, {
      number,
      status: `CASE WHEN c.claimed THEN 'running' ELSE v.status END`,
      status_reason: `CASE WHEN c.claimed THEN 'claimed' ELSE v.status_reason END`,
    });
    insert = `INSERT INTO jobs (${[...columns, ...CLAIM_COLUMNS].join(', ')})
      SELECT ${values}, CASE WHEN c.claimed THEN 1 ELSE 0 END, CASE WHEN c.claimed THEN ${worker}::text END,
        CASE WHEN c.claimed THEN ${lease}::bigint END, CASE WHEN c.claimed THEN v.created_at END,
        CASE WHEN c.claimed THEN v.created_at END, CASE WHEN c.claimed THEN 2 ELSE 1 END
      FROM counter, ${UNNEST_JOBS} CROSS JOIN LATERAL (SELECT v.id = ANY(${ids}::uuid[]) AS claimed) c`;
  }
  return {
    name: `jobline_insert_${project ? 'project_' : ''}${claimed ? 'claimed_' : ''}${origin ? 'origin_' : ''}jobs`,
    text: `WITH counter AS (${counter}), inserted AS (${insert}) SELECT before FROM counter`,
  };
}

/** numberedInsert's eight statements, by [project][claimed][origin]. */
const NUMBERED_INSERTS = [false, true].map((project) =>
  [false, true].map((claimed) => [false, true].map((origin) => numberedInsert(project, claimed, origin))),
);

/** New jobs to insert already claimed by a worker of this process (services/handoff.ts). */
export interface InsertClaim {
  workerId: string;
  leaseExpiresAt: number;
  ids: ReadonlySet<string>;
}

/**
 * Numbers machine jobs of one project (or of none) and inserts them, in one transaction; sets each
 * row's `number` and returns true, or returns false (and inserts nothing) when the project does not
 * exist in the workspace. On PostgreSQL it is one prepared statement, its own transaction: the
 * counter's increment and the rows commit together in one round trip instead of four (BEGIN, counter,
 * INSERT, COMMIT). The jobs `claim` names are claimed by its worker in the same transaction.
 */
export async function insertNumberedJobs(
  store: Store,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim?: InsertClaim,
): Promise<boolean> {
  if (store.raw.kind === 'postgres') {
    const first = await insertNumberedJobsPostgres(store.raw.pool, workspaceId, projectId, jobs, claim);
    if (first === undefined) return false;
    numberFrom(jobs, first);
    return true;
  }
  // SQLite: one synchronous better-sqlite3 transaction. Through Kysely's transaction and query builder,
  // the JavaScript between the statements took about as long as the statements and the commit's write
  // together. While no transaction is open on the connection, nothing can run between its statements,
  // so it runs at once; otherwise (another caller's transaction is open between its awaits) it waits
  // for Kysely to lend the connection, as every query does. Taking the lock each time was a
  // measurable part of a new job's pickup.
  const raw = store.raw;
  const insert = numberedInsertSqlite(raw);
  if (!raw.db.inTransaction) return insert.immediate(workspaceId, projectId, jobs, claim);
  return store.db.connection().execute(async () => insert.immediate(workspaceId, projectId, jobs, claim));
}

/** Gives the jobs consecutive numbers from `first`, in their order. */
function numberFrom(jobs: NewJobRow[], first: number): void {
  jobs.forEach((j, index) => (j.number = first + index));
}

type SqliteRaw = Extract<Store['raw'], { kind: 'sqlite' }>;
type NumberedInsert = (
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
) => boolean;

/** better-sqlite3 transaction functions, made once per connection (making one costs more than running it). */
const numberedInserts = new WeakMap<SqliteRaw, SQLiteTransaction<NumberedInsert>>();

function numberedInsertSqlite(raw: SqliteRaw): SQLiteTransaction<NumberedInsert> {
  let insert = numberedInserts.get(raw);
  if (insert === undefined) {
    insert = raw.db.transaction<NumberedInsert>((workspaceId, projectId, jobs, claim) => {
      const counter = raw.prepare(
        projectId === null ? RESERVE_WORKSPACE_NUMBERS_SQLITE : RESERVE_PROJECT_NUMBERS_SQLITE,
      );
      const row = (
        projectId === null ? counter.get(jobs.length, workspaceId) : counter.get(jobs.length, projectId, workspaceId)
      ) as { job_counter: number } | undefined;
      if (row === undefined) return false;
      numberFrom(jobs, row.job_counter - jobs.length + 1);
      for (let i = 0; i < jobs.length; i += SQLITE_INSERT_CHUNK) {
        const { text, values } = machineJobRows(jobs.slice(i, i + SQLITE_INSERT_CHUNK), claim);
        raw.prepare(text).run(values);
      }
      return true;
    });
    numberedInserts.set(raw, insert);
  }
  return insert;
}

const RESERVE_WORKSPACE_NUMBERS_SQLITE =
  'UPDATE workspaces SET job_counter = job_counter + ? WHERE id = ? RETURNING job_counter';
const RESERVE_PROJECT_NUMBERS_SQLITE =
  'UPDATE projects SET job_counter = job_counter + ? WHERE id = ? AND workspace_id = ? RETURNING job_counter';

async function insertNumberedJobsPostgres(
  pool: pg.Pool,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
): Promise<number | undefined> {
  const origin = hasOrigin(jobs);
  const values = unnestValues(jobs, origin);
  values.push(jobs.length, workspaceId);
  if (projectId !== null) values.push(projectId);
  if (claim !== undefined) values.push([...claim.ids], claim.workerId, claim.leaseExpiresAt);
  // A named prepared statement (the text never varies), planned once per connection.
  const { rows } = await pool.query<{ before: string | number }>({
    ...NUMBERED_INSERTS[projectId === null ? 0 : 1]![claim === undefined ? 0 : 1]![origin ? 1 : 0]!,
    values,
  });
  return rows[0] === undefined ? undefined : Number(rows[0].before) + 1;
}

/** Inserts jobs in the caller's transaction. */
export async function insertJobs(db: Executor, jobs: NewJobRow[]): Promise<void> {
  if (jobs.length === 0) return;
  const machine = jobs.every((j) => j.people === undefined);
  if (machine && db.getExecutor().adapter instanceof PostgresAdapter) {
    const origin = hasOrigin(jobs);
    await db.executeQuery(CompiledQuery.raw(INSERT_JOBS[origin ? 1 : 0]!, unnestValues(jobs, origin)));
    return;
  }
  // A statement binds a limited number of values (SQLite 32,766): 18 to 29 per job, so 1,000 jobs per INSERT.
  for (let i = 0; i < jobs.length; i += SQLITE_INSERT_CHUNK) {
    const chunk = jobs.slice(i, i + SQLITE_INSERT_CHUNK);
    await (machine ? insertMachineJobRows(db, chunk) : insertJobRows(db, chunk));
  }
  // People jobs' assignments as rows too, so a provider's jobs are an index lookup (see store/people.ts).
  const assignments = jobs.flatMap((j) =>
    [...new Set((j.people?.providers ?? []).map((p) => p.id))].map((providerId) => ({
      job_id: j.id,
      provider_id: providerId,
    })),
  );
  if (assignments.length > 0) await db.insertInto('job_providers').values(assignments).execute();
}

const SQLITE_INSERT_CHUNK = 1000;

/** Statement texts by batch size (see repeatedTuples), by [claimed][origin]. */
const insertSql = [0, 1].map(() => [new Map<number, string>(), new Map<number, string>()]);

async function insertMachineJobRows(db: Executor, jobs: NewJobRow[]): Promise<void> {
  const { text, values } = machineJobRows(jobs, undefined);
  await db.executeQuery(CompiledQuery.raw(text, values));
}

/**
 * Machine jobs on SQLite: the INSERT's text is built once per batch size and its values are bound as
 * one flat list (building it through the query builder cost a large part of a batch's insert).
 * The jobs `claim` names are written as a claim leaves them (migration 0018 gives them its events).
 */
function machineJobRows(jobs: NewJobRow[], claim: InsertClaim | undefined): { text: string; values: unknown[] } {
  // event_seq (SQLite migration 0025): a job inserted claimed starts with two events, created and running.
  const origin = hasOrigin(jobs);
  const base = columnsOf(origin);
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
    // MACHINE_JOB_FIELDS' values, written out: calling its functions per job costs more here.
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

async function insertJobRows(db: Executor, jobs: NewJobRow[]): Promise<void> {
  await db
    .insertInto('jobs')
    .values(
      jobs.map((j) => ({
        id: j.id,
        workspace_id: j.workspaceId,
        project_id: j.projectId,
        number: j.number,
        type: j.type,
        name: j.name,
        executor: 'worker',
        status: j.status,
        status_reason: j.statusReason,
        priority: j.priority,
        input: JSON.stringify(j.input ?? {}),
        max_attempts: j.maxAttempts,
        run_at: j.runAt,
        timeout_ms: j.timeoutMs,
        error: j.error === undefined ? null : JSON.stringify(j.error),
        completed_at: j.status === 'failed' ? j.now : null,
        created_at: j.now,
        updated_at: j.now,
        ...(j.callbackUrl != null ? { callback_url: j.callbackUrl } : {}),
        ...(j.traceparent !== undefined ? { traceparent: j.traceparent, tracestate: j.tracestate ?? null } : {}),
        ...(j.people !== undefined
          ? {
              executor: 'people',
              providers: JSON.stringify(j.people.providers),
              due_at: j.people.dueAt,
              reference_id: j.people.referenceId,
              workflow_level: j.people.workflowLevel,
              continuous: j.people.continuous ? 1 : 0,
              import_job_id: j.people.importJobId,
              source_updated_at: j.people.sourceUpdatedAt,
            }
          : {}),
      })),
    )
    .execute();
}

export async function insertDependencies(db: Executor, edges: { jobId: string; dependsOnId: string }[]): Promise<void> {
  if (edges.length === 0) return;
  await db
    .insertInto('job_dependencies')
    .values(edges.map((e) => ({ job_id: e.jobId, depends_on_id: e.dependsOnId })))
    .execute();
}

/**
 * Reserves `count` consecutive job numbers in a project, or in the workspace for jobs without one.
 * The counter row is updated in the caller's transaction, so numbers are gap-free and never reused.
 * Returns the first number, or undefined when the project does not exist in the workspace.
 */
export async function reserveJobNumbers(
  db: Executor,
  workspaceId: string,
  projectId: string | null,
  count: number,
): Promise<number | undefined> {
  const row =
    projectId === null
      ? await db
          .updateTable('workspaces')
          .set((eb) => ({ job_counter: eb('job_counter', '+', count) }))
          .where('id', '=', workspaceId)
          .returning('job_counter')
          .executeTakeFirst()
      : await db
          .updateTable('projects')
          .set((eb) => ({ job_counter: eb('job_counter', '+', count) }))
          .where('id', '=', projectId)
          .where('workspace_id', '=', workspaceId)
          .returning('job_counter')
          .executeTakeFirst();
  return row === undefined ? undefined : Number(row.job_counter) - count + 1;
}
