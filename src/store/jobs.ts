import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { Job, JobError } from '../core/job.js';
import type { JobStatus, StatusReason } from '../core/lifecycle.js';
import type { PeopleWork, ProviderRef } from '../core/people.js';
import { parseJson, type JobsTable } from './schema.js';
import { dialectOf } from './dialect/dialect.js';
import type { Executor } from './store.js';

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
    scheduleId: row.schedule_id ?? null,
    leaseOwner: row.lease_owner ?? null,
    concurrencyKey: row.concurrency_key ?? null,
    deduplicationKey: row.deduplication_key ?? null,
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

export async function findStatuses(
  db: Executor,
  workspaceId: string,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<{ id: string; status: JobStatus }[]> {
  if (ids.length === 0) return [];
  const query = db
    .selectFrom('jobs')
    .select(['id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids);
  // `lock` holds the rows until the caller's transaction ends where other writers could change them
  // meanwhile: a job created waiting on one of them then commits its dependency before that job can
  // end, or sees how it ended.
  const rows = await (options.lock === true ? dialectOf(db).lockShared(query) : query).execute();
  return rows.map((r) => ({ id: r.id, status: r.status as JobStatus }));
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
  /** Only jobs of one of these types. */
  types?: readonly string[] | undefined;
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
  if (f.types !== undefined) q = q.where('type', 'in', f.types.length > 0 ? [...f.types] : ['']);
  if (f.nameContains !== undefined)
    q = q.where(sql<boolean>`lower(name) LIKE ${containsPattern(f.nameContains)} ESCAPE '\\'`);
  if (f.createdAfter !== undefined) q = q.where('created_at', '>', f.createdAfter);
  if (f.createdBefore !== undefined) q = q.where('created_at', '<', f.createdBefore);
  if (f.providerId !== undefined)
    q = q.where('id', 'in', (eb) =>
      eb.selectFrom('job_providers').select('job_id').where('provider_id', '=', f.providerId!),
    );
  return q;
}

/**
 * Newest first, keyset-paged by id: UUIDv7 ids sort by creation time, so "after the cursor" is an
 * index seek and page 1,000 costs what page 1 costs. Fetches one row more than asked to learn whether
 * another page follows without a COUNT.
 */
export async function listJobsAfter(
  db: Executor,
  f: JobFilter,
  beforeId: string | undefined,
  limit: number,
): Promise<{ jobs: Job[]; more: boolean }> {
  let q = filtered(db, f).selectAll();
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
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
    q = q.where((eb) =>
      eb.or([
        eb('updated_at', '<', before.updatedAt),
        eb.and([eb('updated_at', '=', before.updatedAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { jobs: rows.slice(0, limit).map(toJob), more: rows.length > limit };
}

/** Offset paging, for callers that need totals and page numbers (and the compatible APIs). */
export async function listJobsPage(
  db: Executor,
  f: JobFilter,
  offset: number,
  limit: number,
  order: JobOrder = 'created_at',
): Promise<{ jobs: Job[]; total: number }> {
  const sorted =
    order === 'updated_at'
      ? filtered(db, f).selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc')
      : filtered(db, f).selectAll().orderBy('id', 'desc');
  const [rows, count] = await Promise.all([
    sorted.limit(limit).offset(offset).execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
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

/** The W3C trace context a job was created in. */
export async function findTraceContext(
  db: Executor,
  jobId: string,
): Promise<{ traceparent?: string; tracestate?: string }> {
  const row = await db
    .selectFrom('jobs')
    .select(['traceparent', 'tracestate'])
    .where('id', '=', jobId)
    .executeTakeFirst();
  return {
    ...(row?.traceparent != null ? { traceparent: row.traceparent } : {}),
    ...(row?.tracestate != null ? { tracestate: row.tracestate } : {}),
  };
}
