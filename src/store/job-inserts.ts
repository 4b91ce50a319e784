import type { Job, JobError } from '../core/job.js';
import type { StatusReason } from '../core/lifecycle.js';
import type { PeopleWork } from '../core/people.js';
import type { Executor, Store } from './store.js';

// Inserting jobs is the one write every client makes, and on PostgreSQL a new job's pickup is this
// insert alone (services/handoff.ts): its statements are plain text, written once at load from the
// field lists below, and only their values are built per call (building them through the query
// builder cost a visible share of the pickup). Every job row is written this one way, on both
// databases: numbered and inserted by the dialect's numbered insert.

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

/** A column of an INSERT: its name, the PostgreSQL type of its unnest(…) array, and its value. */
export type Field = readonly [column: string, postgresType: string, value: (j: NewJobRow) => string | number | null];

/** Columns holding JSON text, cast to jsonb on PostgreSQL. */
export const JSON_COLUMNS: ReadonlySet<string> = new Set(['input', 'error', 'providers']);

/** The columns every job is inserted with, in the order of every job INSERT's columns and values. */
const JOB_FIELDS: readonly Field[] = [
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
 * for batches where one of them is set, so the others insert what they did before these existed (and
 * still can into a database not yet migrated past them).
 */
const ORIGIN_FIELDS: readonly Field[] = [
  ['schedule_id', 'uuid', (j) => j.scheduleId ?? null],
  ['traceparent', 'text', (j) => j.traceparent ?? null],
  ['tracestate', 'text', (j) => j.tracestate ?? null],
];

/** Columns of jobs done by people, written likewise only for batches holding one (the rest keep their defaults). */
const PEOPLE_FIELDS: readonly Field[] = [
  ['executor', 'text', (j) => (j.people === undefined ? 'worker' : 'people')],
  ['providers', 'text', (j) => (j.people === undefined ? null : JSON.stringify(j.people.providers))],
  ['due_at', 'bigint', (j) => j.people?.dueAt ?? null],
  ['reference_id', 'text', (j) => j.people?.referenceId ?? null],
  ['workflow_level', 'int', (j) => j.people?.workflowLevel ?? null],
  ['continuous', 'int', (j) => (j.people?.continuous === true ? 1 : 0)],
  ['import_job_id', 'uuid', (j) => j.people?.importJobId ?? null],
  ['source_updated_at', 'bigint', (j) => j.people?.sourceUpdatedAt ?? null],
];

/**
 * Which optional columns a batch writes, as bits: ORIGIN for the origin columns, PEOPLE for the
 * people columns. Each dialect writes one statement per shape, made once.
 */
export type Shape = 0 | 1 | 2 | 3;
const ORIGIN = 1;
const PEOPLE = 2;
export const SHAPES: readonly Shape[] = [0, 1, 2, 3];

const FIELDS = SHAPES.map((shape) => [
  ...JOB_FIELDS,
  ...(shape & ORIGIN ? ORIGIN_FIELDS : []),
  ...(shape & PEOPLE ? PEOPLE_FIELDS : []),
]);
const COLUMNS = FIELDS.map((fields) => fields.map(([column]) => column));

/** The fields of a job INSERT of this shape, in column order. */
export const jobFields = (shape: Shape): readonly Field[] => FIELDS[shape]!;
export const jobColumns = (shape: Shape): readonly string[] => COLUMNS[shape]!;

/** The optional columns these jobs need. */
export function shapeOf(jobs: readonly NewJobRow[]): Shape {
  let shape = 0;
  for (const j of jobs) {
    if (j.scheduleId !== undefined || j.traceparent !== undefined) shape |= ORIGIN;
    if (j.people !== undefined) shape |= PEOPLE;
  }
  return shape as Shape;
}

/** The columns a claim sets, written after the job's columns when new jobs are inserted claimed. */
export const CLAIM_COLUMNS = [
  'attempts',
  'lease_owner',
  'lease_expires_at',
  'started_at',
  'attempt_started_at',
  'version',
] as const;

/** New jobs to insert already claimed by a worker of this process (services/handoff.ts). */
export interface InsertClaim {
  workerId: string;
  leaseExpiresAt: number;
  ids: ReadonlySet<string>;
}

/**
 * What the dialect's numbered insert did: the first number, and the jobs a worker of another process
 * took through its standing claim (PostgreSQL, migration 0035), claimed by it when they committed.
 */
export interface NumberedInsert {
  first: number;
  handedOver?: InsertClaim | undefined;
}

/**
 * Numbers jobs of one project (or of none) in input order and inserts them: in the caller's
 * transaction `trx` when given, otherwise in one of their own (on PostgreSQL a single statement).
 * Sets each row's `number` and returns true, or returns false (and inserts nothing) when the project
 * does not exist in the workspace. The jobs `claim` names are inserted claimed by its worker; a claim
 * needs a transaction of the insert's own, since the worker starts on them once it returns. Jobs a
 * worker of another process took instead are reported to `handedOver`.
 */
export async function insertNumberedJobs(
  store: Store,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  options: {
    trx?: Executor | undefined;
    claim?: InsertClaim | undefined;
    handedOver?: ((to: InsertClaim) => void) | undefined;
  } = {},
): Promise<boolean> {
  const { trx, claim } = options;
  if (claim !== undefined && trx !== undefined) throw new Error('Jobs inserted claimed commit on their own.');
  if (jobs.length === 0) return true;
  // People jobs' providers are rows of their own too, written in the same transaction.
  if (trx === undefined && jobs.some((j) => j.people !== undefined))
    return store.transaction((own) =>
      insertNumberedJobs(store, workspaceId, projectId, jobs, { trx: own, handedOver: options.handedOver }),
    );
  const inserted = await store.dialect.insertNumberedJobs(trx, workspaceId, projectId, jobs, claim);
  if (inserted === undefined) return false;
  jobs.forEach((j, index) => (j.number = inserted.first + index));
  if (inserted.handedOver !== undefined) options.handedOver?.(inserted.handedOver);
  if (trx !== undefined) await insertAssignments(trx, jobs);
  return true;
}

/** People jobs' assignments as rows, so a provider's jobs are an index lookup (see store/people.ts). */
async function insertAssignments(db: Executor, jobs: NewJobRow[]): Promise<void> {
  const assignments = jobs.flatMap((j) =>
    [...new Set((j.people?.providers ?? []).map((p) => p.id))].map((providerId) => ({
      job_id: j.id,
      provider_id: providerId,
    })),
  );
  if (assignments.length > 0) await db.insertInto('job_providers').values(assignments).execute();
}

export async function insertDependencies(db: Executor, edges: { jobId: string; dependsOnId: string }[]): Promise<void> {
  if (edges.length === 0) return;
  await db
    .insertInto('job_dependencies')
    .values(edges.map((e) => ({ job_id: e.jobId, depends_on_id: e.dependsOnId })))
    .execute();
}
