import type { Job, JobError } from '../core/job.js';
import type { JobStatus, StatusReason } from '../core/lifecycle.js';
import type { ProjectState, ProviderRef } from '../core/people.js';
import { toJob } from './jobs.js';
import type { Executor } from './store.js';

// The queries of people work. Status changes are guarded UPDATEs as for machine jobs, with one more
// guard: a job that is not ready (its source is being imported, or an earlier workflow step is not
// done) cannot be offered, accepted or delivered, even by a request racing with the import.

export interface PeopleChange {
  from: readonly JobStatus[];
  to: JobStatus;
  reason: StatusReason;
  /** Refuse jobs whose status_reason is one of these. */
  notReasons?: readonly StatusReason[] | undefined;
  now: number;
  providers?: ProviderRef[] | undefined;
  dueAt?: number | null | undefined;
  startedAt?: number | undefined;
  completedAt?: number | null | undefined;
  targetUpdatedAt?: number | undefined;
  error?: JobError | null | undefined;
}

/** Returns the changed job, or undefined when the job is missing or no longer in a matching state. */
export async function transitionPeopleJob(
  db: Executor,
  workspaceId: string,
  id: string,
  c: PeopleChange,
): Promise<Job | undefined> {
  let q = db
    .updateTable('jobs')
    .set((eb) => ({
      status: c.to,
      status_reason: c.reason,
      updated_at: c.now,
      version: eb('version', '+', 1),
      ...(c.providers !== undefined ? { providers: JSON.stringify(c.providers) } : {}),
      ...(c.dueAt !== undefined ? { due_at: c.dueAt } : {}),
      ...(c.startedAt !== undefined ? { started_at: eb.fn.coalesce('started_at', eb.val(c.startedAt)) } : {}),
      ...(c.completedAt !== undefined ? { completed_at: c.completedAt } : {}),
      ...(c.targetUpdatedAt !== undefined
        ? {
            target_updated_at: c.targetUpdatedAt,
            continuous_updated_at: eb
              .case()
              .when('continuous', '=', 1)
              .then(c.targetUpdatedAt)
              .else(eb.ref('continuous_updated_at'))
              .end(),
          }
        : {}),
      ...(c.error !== undefined ? { error: c.error === null ? null : JSON.stringify(c.error) } : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('executor', '=', 'people')
    .where('status', 'in', [...c.from]);
  if (c.notReasons !== undefined && c.notReasons.length > 0) {
    q = q.where((eb) => eb.or([eb('status_reason', 'is', null), eb('status_reason', 'not in', [...c.notReasons!])]));
  }
  const row = await q.returningAll().executeTakeFirst();
  if (row === undefined) return undefined;
  if (c.providers !== undefined) await replaceJobProviders(db, id, c.providers);
  return toJob(row);
}

/** The assignment rows behind "the jobs of provider P" (jobs.providers keeps the same list for reading). */
export async function replaceJobProviders(db: Executor, jobId: string, providers: ProviderRef[]): Promise<void> {
  await db.deleteFrom('job_providers').where('job_id', '=', jobId).execute();
  const ids = [...new Set(providers.map((p) => p.id))];
  if (ids.length > 0)
    await db
      .insertInto('job_providers')
      .values(ids.map((providerId) => ({ job_id: jobId, provider_id: providerId })))
      .execute();
}

/** Changes a pending people job's fields without changing its status (editing while the project is prepared). */
export async function updatePeopleJob(
  db: Executor,
  workspaceId: string,
  id: string,
  change: { name?: string | null; dueAt?: number | null; providers?: ProviderRef[]; input?: unknown; now: number },
): Promise<Job | undefined> {
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({
      updated_at: change.now,
      version: eb('version', '+', 1),
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.dueAt !== undefined ? { due_at: change.dueAt } : {}),
      ...(change.providers !== undefined ? { providers: JSON.stringify(change.providers) } : {}),
      ...(change.input !== undefined ? { input: JSON.stringify(change.input) } : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('executor', '=', 'people')
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (change.providers !== undefined) await replaceJobProviders(db, id, change.providers);
  return toJob(row);
}

/** A new version of a job's source: the job points at the import that prepares it. */
export async function setJobSource(
  db: Executor,
  workspaceId: string,
  id: string,
  importJobId: string,
  open: boolean,
  now: number,
): Promise<Job | undefined> {
  const row = await db
    .updateTable('jobs')
    .set((eb) => ({
      import_job_id: importJobId,
      source_updated_at: now,
      continuous_updated_at: eb.case().when('continuous', '=', 1).then(now).else(eb.ref('continuous_updated_at')).end(),
      // A pending job waits for the new import; an open continuous job keeps working meanwhile.
      status_reason: eb
        .case()
        .when('status', '=', 'pending')
        .then('input_not_ready')
        .else(eb.ref('status_reason'))
        .end(),
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('executor', '=', 'people')
    .where('status', 'in', open ? ['pending', 'running', 'delivered'] : ['pending'])
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}

export async function deletePeopleJob(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('jobs')
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('executor', '=', 'people')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * The next workflow step of a reference becomes available once every earlier step succeeded:
 * offered at once when the project runs and the job has providers, otherwise new. Returns its jobs.
 */
export async function releaseNextSteps(
  db: Executor,
  workspaceId: string,
  referenceId: string,
  now: number,
): Promise<Job[]> {
  const rows = await db
    .updateTable('jobs')
    .set((eb) => ({
      status_reason: eb
        .case()
        .when(
          eb.and([
            eb('providers', 'is not', null),
            eb('providers', '!=', '[]'),
            eb(
              eb.selectFrom('projects').select('state').whereRef('projects.id', '=', 'jobs.project_id'),
              '=',
              'running',
            ),
          ]),
        )
        .then('offered')
        .else('new')
        .end(),
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('reference_id', '=', referenceId)
    .where('executor', '=', 'people')
    .where('status', '=', 'pending')
    .where('status_reason', '=', 'waiting')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('jobs as p')
            .select('p.id')
            .where('p.workspace_id', '=', workspaceId)
            .where('p.reference_id', '=', referenceId)
            .whereRef('p.workflow_level', '<', 'jobs.workflow_level')
            .where('p.status', '!=', 'succeeded'),
        ),
      ),
    )
    .returningAll()
    .execute();
  return rows.map(toJob);
}

export async function setProjectState(
  db: Executor,
  workspaceId: string,
  id: string,
  from: readonly ProjectState[],
  to: ProjectState,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('projects')
    .set((eb) => ({ state: to, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('state', 'in', [...from])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Offers the project's available people jobs that have providers; returns them. */
export async function offerProjectJobs(
  db: Executor,
  workspaceId: string,
  projectId: string,
  now: number,
): Promise<Job[]> {
  const rows = await db
    .updateTable('jobs')
    .set((eb) => ({ status_reason: 'offered', updated_at: now, version: eb('version', '+', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('project_id', '=', projectId)
    .where('executor', '=', 'people')
    .where('status', '=', 'pending')
    .where('status_reason', 'in', ['new', 'declined', 'reopened'])
    .where('providers', 'is not', null)
    .where('providers', '!=', '[]')
    .returningAll()
    .execute();
  return rows.map(toJob);
}

/** The project's people jobs that are not finished yet. */
export async function openPeopleJobs(
  db: Executor,
  workspaceId: string,
  projectId: string,
): Promise<{ id: string; status: JobStatus }[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('project_id', '=', projectId)
    .where('executor', '=', 'people')
    .where('status', 'not in', ['succeeded', 'failed', 'cancelled'])
    .execute();
  return rows.map((r) => ({ id: r.id, status: r.status as JobStatus }));
}
