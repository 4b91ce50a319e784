import type { Principal } from '../core/auth.js';
import { AppError, notFound, validationFailed } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { DEFAULT_MAX_ATTEMPTS, type Job } from '../core/job.js';
import { TRANSITIONS, allowedActions, isTerminal, type JobStatus } from '../core/lifecycle.js';
import * as jobs from '../store/jobs.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';

export interface CreateJobInput {
  type: string;
  name?: string | undefined;
  projectId?: string | undefined;
  priority?: number | undefined;
  input?: Record<string, unknown> | undefined;
  runAt?: number | undefined;
  maxAttempts?: number | undefined;
  timeoutMs?: number | undefined;
}

/** Creates jobs in the caller's transaction (or a new one): all of them or none. */
export async function createJobs(services: Services, principal: Principal, inputs: CreateJobInput[], trx?: Executor): Promise<Job[]> {
  const run = async (db: Executor): Promise<Job[]> => {
    const now = services.clock.now();
    // Numbers are reserved per project (or per workspace for jobs without one) in one statement each.
    const byProject = new Map<string | null, number>();
    for (const i of inputs) byProject.set(i.projectId ?? null, (byProject.get(i.projectId ?? null) ?? 0) + 1);
    const next = new Map<string | null, number>();
    for (const [projectId, count] of byProject) {
      const first = await jobs.reserveJobNumbers(db, principal.workspaceId, projectId, count);
      if (first === undefined) {
        const index = inputs.findIndex((i) => (i.projectId ?? null) === projectId);
        const pointer = inputs.length === 1 ? '#/project_id' : `#/jobs/${index}/project_id`;
        throw validationFailed([{ pointer, detail: `no project with id ${JSON.stringify(projectId)} exists in this workspace` }]);
      }
      next.set(projectId, first);
    }
    const rows: jobs.NewJobRow[] = inputs.map((i) => {
      const projectId = i.projectId ?? null;
      const number = next.get(projectId)!;
      next.set(projectId, number + 1);
      const runAt = i.runAt ?? now;
      return {
        id: uuidv7(now),
        workspaceId: principal.workspaceId,
        projectId,
        number,
        type: i.type,
        name: i.name ?? null,
        status: 'pending',
        statusReason: runAt > now ? 'scheduled' : 'queued',
        priority: i.priority ?? 0,
        input: i.input ?? {},
        maxAttempts: i.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        runAt,
        timeoutMs: i.timeoutMs ?? null,
        now,
      };
    });
    await jobs.insertJobs(db, rows);
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspaceId,
      projectId: r.projectId,
      number: r.number,
      type: r.type,
      name: r.name,
      executor: 'worker',
      status: r.status,
      statusReason: r.statusReason,
      priority: r.priority,
      input: r.input,
      output: null,
      error: null,
      progress: 0,
      progressMessage: null,
      attempts: 0,
      maxAttempts: r.maxAttempts,
      runAt: r.runAt,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      updatedAt: now,
      version: 1,
    }));
  };
  return trx !== undefined ? run(trx) : services.store.transaction(run);
}

export async function createJob(services: Services, principal: Principal, input: CreateJobInput, trx?: Executor): Promise<Job> {
  const [job] = await createJobs(services, principal, [input], trx);
  return job!;
}

export async function getJob(services: Services, principal: Principal, id: string): Promise<Job> {
  const job = await jobs.findJob(services.store.db, principal.workspaceId, id);
  if (job === undefined) throw notFound('job', id);
  return job;
}

export interface ListFilter {
  projectId?: string | undefined;
  statuses?: JobStatus[] | undefined;
  type?: string | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
}

export async function listJobs(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ jobs: Job[]; nextPageToken: string | undefined }> {
  const full = { ...filter, workspaceId: principal.workspaceId };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, full);
  const result = await jobs.listJobsAfter(services.store.db, full, after, page.pageSize);
  const last = result.jobs.at(-1);
  return { jobs: result.jobs, nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, full) : undefined };
}

export async function listJobsByPage(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { page: number; perPage: number },
): Promise<{ jobs: Job[]; total: number }> {
  return jobs.listJobsPage(services.store.db, { ...filter, workspaceId: principal.workspaceId }, (page.page - 1) * page.perPage, page.perPage);
}

export function stateConflict(job: Job, action: string): AppError {
  return new AppError('job_state_conflict', `The job is ${job.status}; it cannot ${action}.`, {
    extra: { status: job.status, status_reason: job.statusReason, allowed_actions: allowedActions(job.status) },
  });
}

/**
 * Pending → cancelled at once; running → cancelling (the engine stops the handler and ends it
 * cancelled); cancelling stays as it is; a finished job is a 409. A lost race re-reads and decides again.
 */
export async function cancelJob(services: Services, principal: Principal, id: string): Promise<Job> {
  for (let tries = 0; tries < 5; tries++) {
    const job = await getJob(services, principal, id);
    if (job.status === 'cancelling') return job;
    if (isTerminal(job.status)) throw stateConflict(job, 'be cancelled');
    const action = job.status === 'pending' ? 'cancel' : 'request_cancel';
    const { from, to } = TRANSITIONS[action];
    const now = services.clock.now();
    const changed = await jobs.transitionJob(services.store.db, principal.workspaceId, id, from, to, {
      statusReason: action === 'cancel' ? 'cancelled_by_client' : 'cancel_requested',
      now,
      ...(action === 'cancel' ? { completedAt: now } : {}),
    });
    if (changed !== undefined) return changed;
  }
  throw new AppError('version_conflict', 'The job kept changing while it was being cancelled; try again.');
}
