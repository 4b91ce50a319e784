import { CompiledQuery, PostgresAdapter, sql, type RawBuilder, type Selectable } from 'kysely';
import type pg from 'pg';
import type { Job, JobError } from '../core/job.js';
import type { JobStatus, StatusReason } from '../core/lifecycle.js';
import type { PeopleWork, ProviderRef } from '../core/people.js';
import { repeatedTuples } from './batch-sql.js';
import { parseJson, type JobsTable } from './schema.js';
import type { Executor, Store } from './store.js';

export type JobRow = Selectable<JobsTable>;

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    number: row.number,
    type: row.type,
    name: row.name,
    executor: row.executor as Job['executor'],
    status: row.status as JobStatus,
    statusReason: row.status_reason as StatusReason | null,
    priority: row.priority,
    input: parseJson(row.input),
    output: parseJson(row.output) ?? null,
    error: (parseJson(row.error) as JobError | null) ?? null,
    progress: row.progress,
    progressMessage: row.progress_message,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    runAt: row.run_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
    version: row.version,
    expiredAt: row.expired_at,
    callbackUrl: row.callback_url ?? null,
    people: row.executor === 'people' ? toPeopleWork(row) : null,
  };
}

function toPeopleWork(row: JobRow): PeopleWork {
  return {
    providers: (parseJson(row.providers) as ProviderRef[] | null) ?? [],
    dueAt: row.due_at,
    referenceId: row.reference_id,
    workflowLevel: row.workflow_level,
    continuous: Number(row.continuous) === 1,
    importJobId: row.import_job_id,
    sourceUpdatedAt: row.source_updated_at,
    targetUpdatedAt: row.target_updated_at,
    continuousUpdatedAt: row.continuous_updated_at,
  };
}

export interface NewJobRow {
  id: string;
  workspaceId: string;
  projectId: string | null;
  number: number;
  type: string;
  name: string | null;
  status: JobStatus;
  statusReason: StatusReason;
  priority: number;
  input: unknown;
  maxAttempts: number;
  runAt: number;
  timeoutMs: number | null;
  error?: JobError | undefined;
  callbackUrl?: string | null | undefined;
  /** Jobs done by people carry these; machine jobs leave them out. */
  people?: PeopleWork | undefined;
  now: number;
}

/** The columns a machine job is inserted with, in the order of unnestJobs' arrays and insertMachineJobRows' values. */
const MACHINE_JOB_COLUMNS = [
  'id', 'workspace_id', 'project_id', 'number', 'type', 'name', 'status', 'status_reason', 'priority', 'input', 'max_attempts', 'run_at',
  'timeout_ms', 'error', 'completed_at', 'created_at', 'updated_at', 'callback_url',
] as const;
const JOB_COLUMNS = sql.raw(MACHINE_JOB_COLUMNS.join(', '));

/** The columns of a machine job as unnest(…) arrays, one parameter per column rather than per value. */
function unnestJobs(jobs: NewJobRow[]) {
  const column = <T>(f: (j: NewJobRow) => T): T[] => jobs.map(f);
  return sql`unnest(${column((j) => j.id)}::uuid[], ${column((j) => j.workspaceId)}::text[], ${column((j) => j.projectId)}::uuid[],
      ${column((j) => j.number)}::bigint[], ${column((j) => j.type)}::text[], ${column((j) => j.name)}::text[],
      ${column((j) => j.status)}::text[], ${column((j) => j.statusReason)}::text[], ${column((j) => j.priority)}::int[],
      ${column((j) => JSON.stringify(j.input ?? {}))}::text[], ${column((j) => j.maxAttempts)}::int[], ${column((j) => j.runAt)}::bigint[],
      ${column((j) => j.timeoutMs)}::bigint[], ${column((j) => (j.error === undefined ? null : JSON.stringify(j.error)))}::text[],
      ${column((j) => (j.status === 'failed' ? j.now : null))}::bigint[], ${column((j) => j.now)}::bigint[], ${column((j) => j.now)}::bigint[],
      ${column((j) => j.callbackUrl ?? null)}::text[])
    WITH ORDINALITY AS v(${JOB_COLUMNS}, position)`;
}

/** The values of JOB_COLUMNS from unnestJobs' `v`, with the job's number given by `number`. */
function jobValues(number: RawBuilder<unknown>) {
  return sql`v.id, v.workspace_id, v.project_id, ${number}, v.type, v.name, v.status, v.status_reason, v.priority, v.input::jsonb,
      v.max_attempts, v.run_at, v.timeout_ms, v.error::jsonb, v.completed_at, v.created_at, v.updated_at, v.callback_url`;
}

/**
 * Machine jobs on PostgreSQL: one INSERT … SELECT FROM unnest(arrays), so a batch of 1,000 jobs is
 * parsed and planned like a batch of one.
 */
async function insertJobsPostgres(db: Executor, jobs: NewJobRow[]): Promise<void> {
  await sql`INSERT INTO jobs (${JOB_COLUMNS}) SELECT ${jobValues(sql`v.number`)} FROM ${unnestJobs(jobs)}`.execute(db);
}

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
export async function insertNumberedJobs(store: Store, workspaceId: string, projectId: string | null, jobs: NewJobRow[], claim?: InsertClaim): Promise<boolean> {
  const number = (first: number) => jobs.forEach((j, index) => (j.number = first + index));
  if (store.raw.kind === 'postgres') {
    const first = await insertNumberedJobsPostgres(store.db, store.raw.pool, workspaceId, projectId, jobs, claim);
    if (first === undefined) return false;
    number(first);
    return true;
  }
  return store.transaction(async (trx) => {
    const first = await reserveJobNumbers(trx, workspaceId, projectId, jobs.length);
    if (first === undefined) return false;
    number(first);
    await insertJobs(trx, jobs, claim);
    return true;
  });
}

async function insertNumberedJobsPostgres(
  db: Executor,
  pool: pg.Pool,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
): Promise<number | undefined> {
  const counter =
    projectId === null
      ? sql`UPDATE workspaces SET job_counter = job_counter + ${jobs.length} WHERE id = ${workspaceId} RETURNING job_counter - ${jobs.length} AS before`
      : sql`UPDATE projects SET job_counter = job_counter + ${jobs.length} WHERE id = ${projectId} AND workspace_id = ${workspaceId} RETURNING job_counter - ${jobs.length} AS before`;
  const number = sql`counter.before + v.position`;
  const insert =
    claim === undefined
      ? sql`INSERT INTO jobs (${JOB_COLUMNS}) SELECT ${jobValues(number)} FROM counter, ${unnestJobs(jobs)}`
      : sql`INSERT INTO jobs (${JOB_COLUMNS}, ${sql.raw(CLAIM_COLUMNS.join(', '))}) SELECT ${claimedJobValues(number, claim)}
          FROM counter, ${unnestJobs(jobs)} CROSS JOIN LATERAL (SELECT v.id = ANY(${[...claim.ids]}::uuid[]) AS claimed) c`;
  const query = sql<{ before: string | number }>`
    WITH counter AS (${counter}), inserted AS (${insert})
    SELECT before FROM counter`.compile(db);
  // A named prepared statement (one per counter kind and claim; the text never varies), planned once per connection.
  const { rows } = await pool.query<{ before: string | number }>({
    name: `jobline_insert_${projectId === null ? '' : 'project_'}${claim === undefined ? '' : 'claimed_'}jobs`,
    text: query.sql,
    values: query.parameters as unknown[],
  });
  return rows[0] === undefined ? undefined : Number(rows[0].before) + 1;
}

/** The columns a claim sets, written after MACHINE_JOB_COLUMNS when new jobs are inserted claimed. */
const CLAIM_COLUMNS = ['attempts', 'lease_owner', 'lease_expires_at', 'started_at', 'attempt_started_at', 'version'] as const;

/**
 * jobValues then CLAIM_COLUMNS, with the jobs `claim` names (`c.claimed`) written as a claim leaves them:
 * running, first attempt, leased (what jobline_claim sets; migration 0018 gives them the events of a claim too).
 */
function claimedJobValues(number: RawBuilder<unknown>, claim: InsertClaim) {
  return sql`v.id, v.workspace_id, v.project_id, ${number}, v.type, v.name,
      CASE WHEN c.claimed THEN 'running' ELSE v.status END, CASE WHEN c.claimed THEN 'claimed' ELSE v.status_reason END,
      v.priority, v.input::jsonb, v.max_attempts, v.run_at, v.timeout_ms, v.error::jsonb, v.completed_at, v.created_at, v.updated_at, v.callback_url,
      CASE WHEN c.claimed THEN 1 ELSE 0 END, CASE WHEN c.claimed THEN ${claim.workerId}::text END,
      CASE WHEN c.claimed THEN ${claim.leaseExpiresAt}::bigint END, CASE WHEN c.claimed THEN v.created_at END,
      CASE WHEN c.claimed THEN v.created_at END, CASE WHEN c.claimed THEN 2 ELSE 1 END`;
}

/** Inserts jobs in the caller's transaction; machine jobs `claim` names (SQLite only) are written claimed by its worker. */
export async function insertJobs(db: Executor, jobs: NewJobRow[], claim?: InsertClaim): Promise<void> {
  if (jobs.length === 0) return;
  const machine = jobs.every((j) => j.people === undefined);
  if (machine && db.getExecutor().adapter instanceof PostgresAdapter) {
    await insertJobsPostgres(db, jobs);
    return;
  }
  // A statement binds a limited number of values (SQLite 32,766): about 25 per job, so 1,000 jobs per INSERT.
  for (let i = 0; i < jobs.length; i += SQLITE_INSERT_CHUNK) {
    const chunk = jobs.slice(i, i + SQLITE_INSERT_CHUNK);
    await (machine ? insertMachineJobRows(db, chunk, claim) : insertJobRows(db, chunk));
  }
  // People jobs' assignments as rows too, so a provider's jobs are an index lookup (see store/people.ts).
  const assignments = jobs.flatMap((j) => [...new Set((j.people?.providers ?? []).map((p) => p.id))].map((providerId) => ({ job_id: j.id, provider_id: providerId })));
  if (assignments.length > 0) await db.insertInto('job_providers').values(assignments).execute();
}

const SQLITE_INSERT_CHUNK = 1000;

/** Statement texts by batch size (see repeatedTuples), without and with the claim's columns. */
const machineInsertSql = new Map<number, string>();
const claimedInsertSql = new Map<number, string>();

/**
 * Machine jobs on SQLite: the INSERT's text is built once per batch size and its values are bound as
 * one flat list (building it through the query builder cost about a third of inserting 1,000 jobs).
 * The jobs `claim` names are written as a claim leaves them (migration 0018 gives them its events).
 */
async function insertMachineJobRows(db: Executor, jobs: NewJobRow[], claim: InsertClaim | undefined): Promise<void> {
  const columns = claim === undefined ? MACHINE_JOB_COLUMNS : [...MACHINE_JOB_COLUMNS, ...CLAIM_COLUMNS];
  const text = repeatedTuples(claim === undefined ? machineInsertSql : claimedInsertSql, jobs.length, columns.length, (tuples) => `INSERT INTO jobs (${columns.join(', ')}) VALUES ${tuples}`);
  const values: unknown[] = [];
  for (const j of jobs) {
    const claimed = claim?.ids.has(j.id) === true;
    values.push(
      j.id, j.workspaceId, j.projectId, j.number, j.type, j.name, claimed ? 'running' : j.status, claimed ? 'claimed' : j.statusReason, j.priority,
      JSON.stringify(j.input ?? {}), j.maxAttempts, j.runAt, j.timeoutMs, j.error === undefined ? null : JSON.stringify(j.error),
      j.status === 'failed' ? j.now : null, j.now, j.now, j.callbackUrl ?? null,
    );
    if (claim === undefined) continue;
    if (claimed) values.push(1, claim.workerId, claim.leaseExpiresAt, j.now, j.now, 2);
    else values.push(0, null, null, null, null, 1);
  }
  await db.executeQuery(CompiledQuery.raw(text, values));
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
  await db.insertInto('job_dependencies').values(edges.map((e) => ({ job_id: e.jobId, depends_on_id: e.dependsOnId }))).execute();
}

export async function findStatuses(db: Executor, workspaceId: string, ids: string[]): Promise<{ id: string; status: JobStatus }[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('jobs').select(['id', 'status']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
  return rows.map((r) => ({ id: r.id, status: r.status as JobStatus }));
}

/**
 * Reserves `count` consecutive job numbers in a project, or in the workspace for jobs without one.
 * The counter row is updated in the caller's transaction, so numbers are gap-free and never reused.
 * Returns the first number, or undefined when the project does not exist in the workspace.
 */
export async function reserveJobNumbers(db: Executor, workspaceId: string, projectId: string | null, count: number): Promise<number | undefined> {
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

// findJob serves every GET /v1/jobs/{id}: its SQL is built and compiled once per database handle rather
// than on every call (Kysely's builder and compiler cost more than the index lookup itself).
const findJobQueries = new WeakMap<Executor, CompiledQuery<JobRow>>();

export async function findJob(db: Executor, workspaceId: string, id: string): Promise<Job | undefined> {
  let compiled = findJobQueries.get(db);
  if (compiled === undefined) {
    compiled = db.selectFrom('jobs').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).compile();
    findJobQueries.set(db, compiled);
  }
  const { rows } = await db.executeQuery<JobRow>({ ...compiled, parameters: [id, workspaceId] });
  const row = rows[0];
  return row === undefined ? undefined : toJob(row);
}

/** The orders a list can have, newest first: by creation (the id) or by the latest change. */
export type JobOrder = 'created_at' | 'updated_at';

export interface JobFilter {
  workspaceId: string;
  projectId?: string | undefined;
  statuses?: JobStatus[] | undefined;
  type?: string | undefined;
  /** Jobs whose name contains this text, in any letter case (a scan within the workspace's other filters). */
  nameContains?: string | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  /** Only the jobs assigned to this provider (a provider's token). */
  providerId?: string | undefined;
}

/** A LIKE pattern matching text that contains `text` (lower case), its wildcards taken literally. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtered(db: Executor, f: JobFilter) {
  let q = db.selectFrom('jobs').where('workspace_id', '=', f.workspaceId).where('expired_at', 'is', null);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.statuses !== undefined && f.statuses.length > 0) q = q.where('status', 'in', f.statuses);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.nameContains !== undefined) q = q.where(sql<boolean>`lower(name) LIKE ${containsPattern(f.nameContains)} ESCAPE '\\'`);
  if (f.createdAfter !== undefined) q = q.where('created_at', '>', f.createdAfter);
  if (f.createdBefore !== undefined) q = q.where('created_at', '<', f.createdBefore);
  if (f.providerId !== undefined) q = q.where('id', 'in', (eb) => eb.selectFrom('job_providers').select('job_id').where('provider_id', '=', f.providerId!));
  return q;
}

/**
 * Newest first, keyset-paged by id: UUIDv7 ids sort by creation time, so "after the cursor" is an
 * index seek and page 1,000 costs what page 1 costs. Fetches one row more than asked to learn whether
 * another page follows without a COUNT.
 */
export async function listJobsAfter(db: Executor, f: JobFilter, beforeId: string | undefined, limit: number): Promise<{ jobs: Job[]; more: boolean }> {
  let q = filtered(db, f).selectAll();
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return { jobs: rows.slice(0, limit).map(toJob), more: rows.length > limit };
}

/**
 * Most recently changed first, keyset-paged by (updated_at, id). There is deliberately no index for
 * this order: every job change moves updated_at, and an index on it would cost every engine write;
 * the workspace's jobs are sorted instead, which suits a dashboard rather than a batch reader.
 */
export async function listJobsByUpdate(
  db: Executor,
  f: JobFilter,
  before: { updatedAt: number; id: string } | undefined,
  limit: number,
): Promise<{ jobs: Job[]; more: boolean }> {
  let q = filtered(db, f).selectAll();
  if (before !== undefined) {
    q = q.where((eb) => eb.or([eb('updated_at', '<', before.updatedAt), eb.and([eb('updated_at', '=', before.updatedAt), eb('id', '<', before.id)])]));
  }
  const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  return { jobs: rows.slice(0, limit).map(toJob), more: rows.length > limit };
}

/** Offset paging, for callers that need totals and page numbers (and the compatible APIs). */
export async function listJobsPage(db: Executor, f: JobFilter, offset: number, limit: number, order: JobOrder = 'created_at'): Promise<{ jobs: Job[]; total: number }> {
  const sorted = order === 'updated_at' ? filtered(db, f).selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc') : filtered(db, f).selectAll().orderBy('id', 'desc');
  const [rows, count] = await Promise.all([
    sorted.limit(limit).offset(offset).execute(),
    filtered(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { jobs: rows.map(toJob), total: Number(count.n) };
}

export async function countJobsByStatus(db: Executor): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export interface TransitionChange {
  statusReason: StatusReason;
  now: number;
  startedAt?: number;
  completedAt?: number;
  output?: unknown;
  error?: JobError | null;
}

/**
 * Moves a job from one of `from` to `to` in a single guarded UPDATE. Returns the updated job, or
 * undefined when no row matched: the job is missing or another request changed its status first.
 */
export async function transitionJob(
  db: Executor,
  workspaceId: string,
  id: string,
  from: readonly JobStatus[],
  to: JobStatus,
  change: TransitionChange,
): Promise<Job | undefined> {
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: to,
      status_reason: change.statusReason,
      updated_at: change.now,
      version: eb('version', '+', 1),
      ...(change.startedAt !== undefined ? { started_at: change.startedAt } : {}),
      ...(change.completedAt !== undefined ? { completed_at: change.completedAt } : {}),
      ...(change.output !== undefined ? { output: JSON.stringify(change.output) } : {}),
      ...(change.error !== undefined ? { error: change.error === null ? null : JSON.stringify(change.error) } : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', [...from])
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}
