import type { Job, JobError } from '../core/job.js';
import type { StatusReason } from '../core/lifecycle.js';
import type { PeopleWork } from '../core/people.js';
import { dialectOf } from './dialect/dialect.js';
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
export const MACHINE_JOB_FIELDS: readonly Field[] = [
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
const WITH_ORIGIN_FIELDS = [...MACHINE_JOB_FIELDS, ...ORIGIN_FIELDS];
const COLUMNS = [MACHINE_JOB_FIELDS, WITH_ORIGIN_FIELDS].map((fields) => fields.map(([column]) => column));

/** The fields of a machine job's INSERT, with the origin columns or without. */
export const machineJobFields = (origin: boolean): readonly Field[] =>
  origin ? WITH_ORIGIN_FIELDS : MACHINE_JOB_FIELDS;
export const machineJobColumns = (origin: boolean): readonly string[] => COLUMNS[origin ? 1 : 0]!;
/** Does any of these jobs need the origin columns? */
export const hasOrigin = (jobs: readonly NewJobRow[]): boolean =>
  jobs.some((j) => j.scheduleId !== undefined || j.traceparent !== undefined);

/** The columns a claim sets, written after MACHINE_JOB_COLUMNS when new jobs are inserted claimed. */
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
 * Numbers machine jobs of one project (or of none) and inserts them, in one transaction; sets each
 * row's `number` and returns true, or returns false (and inserts nothing) when the project does not
 * exist in the workspace. The jobs `claim` names are claimed by its worker in the same transaction.
 */
export async function insertNumberedJobs(
  store: Store,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim?: InsertClaim,
): Promise<boolean> {
  const first = await store.dialect.insertNumberedJobs(workspaceId, projectId, jobs, claim);
  if (first === undefined) return false;
  jobs.forEach((j, index) => (j.number = first + index));
  return true;
}

/** Inserts jobs in the caller's transaction. */
export async function insertJobs(db: Executor, jobs: NewJobRow[]): Promise<void> {
  if (jobs.length === 0) return;
  if (jobs.every((j) => j.people === undefined)) {
    await dialectOf(db).insertMachineJobs(db, jobs);
    return;
  }
  // A statement binds a limited number of values (SQLite 32,766): up to 29 per job.
  for (let i = 0; i < jobs.length; i += PEOPLE_INSERT_CHUNK)
    await insertJobRows(db, jobs.slice(i, i + PEOPLE_INSERT_CHUNK));
  // People jobs' assignments as rows too, so a provider's jobs are an index lookup (see store/people.ts).
  const assignments = jobs.flatMap((j) =>
    [...new Set((j.people?.providers ?? []).map((p) => p.id))].map((providerId) => ({
      job_id: j.id,
      provider_id: providerId,
    })),
  );
  if (assignments.length > 0) await db.insertInto('job_providers').values(assignments).execute();
}

const PEOPLE_INSERT_CHUNK = 1000;

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
        ...(j.scheduleId !== undefined ? { schedule_id: j.scheduleId } : {}),
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
          .where('deleted_at', 'is', null)
          .returning('job_counter')
          .executeTakeFirst();
  return row === undefined ? undefined : Number(row.job_counter) - count + 1;
}
