import type { Principal } from '../core/auth.js';
import { AppError, notFound, validationFailed } from '../core/errors.js';
import { createKeyedJobs, hasKeys } from './job-keys.js';
import { isUuid, uuidv7 } from '../core/ids.js';
import { DEFAULT_MAX_ATTEMPTS, type AttemptRecord, type Job } from '../core/job.js';
import { TRANSITIONS, allowedActions, type JobStatus, type StatusReason } from '../core/lifecycle.js';
import type { PeopleWork } from '../core/people.js';
import * as jobs from '../store/jobs.js';
import * as inserts from '../store/job-inserts.js';
import { listAttempts, requeueJob } from '../store/queue.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';
import type { JobDetails } from '../store/job-details.js';
import { readJob, readJobDetails } from '../store/job-versions.js';
import type { JobAttemptsTable } from '../store/schema.js';
import { fileInfo, type FileInfo } from './files.js';
import { callbackUrlProblems } from './webhooks.js';
import { jobFor } from '../core/provider-view.js';
import { preparePeopleJobs } from './people-jobs.js';
import { storedInputProblems } from './job-types.js';

export interface CreateJobInput {
  type: string;
  name?: string | undefined;
  projectId?: string | undefined;
  priority?: number | undefined;
  input?: Record<string, unknown> | undefined;
  runAt?: number | undefined;
  maxAttempts?: number | undefined;
  timeoutMs?: number | undefined;
  /** Ids of jobs that must succeed before this one runs, or `ref`s of other jobs in the same batch. */
  dependsOn?: string[] | undefined;
  /** A label other jobs of the same batch can name in `dependsOn`. */
  ref?: string | undefined;
  /** Where the job's events are delivered (validated like a webhook URL). */
  callbackUrl?: string | undefined;
  /** The schedule creating the job (services/schedules.ts). */
  scheduleId?: string | undefined;
  /** The W3C trace context the job is created in (services/trace-context.ts). */
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  /** A job done by people (see services/people-jobs.ts): its fields and the reason it starts pending with. */
  people?: (PeopleWork & { statusReason: StatusReason }) | undefined;
  /** Flow control (services/job-keys.ts). */
  concurrencyKey?: string | undefined;
  deduplicationKey?: string | undefined;
}

/** Creates jobs in the caller's transaction (or a new one): all of them or none. */
export async function createJobs(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  trx?: Executor,
): Promise<Job[]> {
  if (hasKeys(inputs)) return createKeyedJobs(services, principal, inputs, trx, createJobs);
  const pointer = (index: number, field: string) => (inputs.length === 1 ? `#/${field}` : `#/jobs/${index}/${field}`);
  const problems = inputs.flatMap((i, index) =>
    services.registry.validateInput(i.type, i.input ?? {}, pointer(index, 'input')),
  );
  // Types no code defines may have an input schema stored in the workspace (services/job-types.ts).
  problems.push(
    ...(await storedInputProblems(
      services,
      trx ?? services.store.db,
      principal.workspaceId,
      inputs.map((i, index) => ({ type: i.type, input: i.input ?? {}, pointer: pointer(index, 'input') })),
    )),
  );
  if (inputs.some((i) => i.callbackUrl !== undefined)) {
    problems.push(
      ...(await callbackUrlProblems(
        services,
        inputs.map((i) => i.callbackUrl),
        (index) => pointer(index, 'callback_url'),
      )),
    );
  }
  if (problems.length > 0) throw validationFailed(problems);
  // Machine jobs of one project (or of none) that depend on nothing, the common case for an API
  // client, are numbered and inserted by the store at once (on PostgreSQL in a single statement).
  const projectIds = new Set(inputs.map((i) => i.projectId ?? null));
  if (
    trx === undefined &&
    projectIds.size === 1 &&
    inputs.every(
      (i) => i.people === undefined && i.ref === undefined && (i.dependsOn === undefined || i.dependsOn.length === 0),
    )
  ) {
    const now = services.clock.now();
    const projectId = inputs[0]!.projectId ?? null;
    const noDependencies: Dependencies = { ids: [], waiting: false, failed: undefined };
    const rows = newJobRows(
      services,
      principal,
      inputs,
      inputs.map(() => uuidv7(now)),
      inputs.map(() => noDependencies),
      now,
      () => 0,
    );
    // Runnable jobs go straight to an idle worker of this process that runs their type, if there is one.
    const runnable = rows.filter((r) => r.statusReason === 'queued');
    const handover = runnable.length > 0 ? services.handoff.offer(runnable, now) : undefined;
    let inserted = false;
    try {
      inserted = await inserts.insertNumberedJobs(services.store, principal.workspaceId, projectId, rows, handover);
    } finally {
      if (!inserted) handover?.settle([]);
    }
    if (!inserted) {
      throw validationFailed([
        {
          pointer: pointer(0, 'project_id'),
          detail: `no project with id ${JSON.stringify(projectId)} exists in this workspace`,
        },
      ]);
    }
    const created = rows.map((r) =>
      handover?.ids.has(r.id) === true ? claimedJob(createdJob(r, now)) : createdJob(r, now),
    );
    if (handover === undefined || handover.ids.size < rows.length) services.wakeups.jobsAdded();
    handover?.settle(created.filter((j) => handover.ids.has(j.id)));
    services.wakeups.jobsCreated(principal.workspaceId, handover !== undefined);
    return created;
  }
  const run = async (db: Executor): Promise<Job[]> => {
    const now = services.clock.now();
    const ids = inputs.map(() => uuidv7(now));
    const dependencies = await resolveDependencies(db, principal.workspaceId, inputs, ids, pointer);
    if (inputs.some((i) => i.people !== undefined)) await preparePeopleJobs(db, principal, inputs, pointer);
    // Numbers are reserved per project (or per workspace for jobs without one) in one statement each.
    const byProject = new Map<string | null, number>();
    for (const i of inputs) byProject.set(i.projectId ?? null, (byProject.get(i.projectId ?? null) ?? 0) + 1);
    const next = new Map<string | null, number>();
    // Counters are locked in one order (workspace first, then projects by id) so two batches naming the
    // same projects in different orders cannot deadlock on PostgreSQL.
    const order = [...byProject.entries()].sort(([a], [b]) =>
      a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [projectId, count] of order) {
      const first = await inserts.reserveJobNumbers(db, principal.workspaceId, projectId, count);
      if (first === undefined) {
        const index = inputs.findIndex((i) => (i.projectId ?? null) === projectId);
        throw validationFailed([
          {
            pointer: pointer(index, 'project_id'),
            detail: `no project with id ${JSON.stringify(projectId)} exists in this workspace`,
          },
        ]);
      }
      next.set(projectId, first);
    }
    const rows = newJobRows(services, principal, inputs, ids, dependencies, now, (projectId) => {
      const number = next.get(projectId)!;
      next.set(projectId, number + 1);
      return number;
    });
    await inserts.insertJobs(db, rows);
    services.wakeups.jobsCreated(principal.workspaceId, false);
    await inserts.insertDependencies(
      db,
      rows.flatMap((r, index) => dependencies[index]!.ids.map((dependsOnId) => ({ jobId: r.id, dependsOnId }))),
    );
    return rows.map((r) => createdJob(r, now));
  };
  if (trx !== undefined) return run(trx); // the caller commits, then wakes the workers
  const created = await services.store.transaction(run);
  services.wakeups.jobsAdded();
  return created;
}

/** The rows of new jobs; `numberOf` gives each job's number in its project (in input order). */
function newJobRows(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  ids: string[],
  dependencies: Dependencies[],
  now: number,
  numberOf: (projectId: string | null) => number,
): inserts.NewJobRow[] {
  return inputs.map((i, index) => {
    const projectId = i.projectId ?? null;
    const runAt = i.runAt ?? now;
    const deps = dependencies[index]!;
    return {
      id: ids[index]!,
      workspaceId: principal.workspaceId,
      projectId,
      number: numberOf(projectId),
      type: i.type,
      name: i.name ?? null,
      ...(i.people !== undefined
        ? { status: 'pending' as const, statusReason: i.people.statusReason }
        : deps.failed !== undefined
          ? {
              status: 'failed' as const,
              statusReason: 'dependency_failed' as const,
              error: {
                message: `Job ${deps.failed}, which this job depends on, did not succeed.`,
                code: 'dependency_failed',
              },
            }
          : {
              status: 'pending' as const,
              statusReason: deps.waiting
                ? ('waiting' as const)
                : runAt > now
                  ? ('scheduled' as const)
                  : ('queued' as const),
            }),
      priority: i.priority ?? 0,
      input: i.input ?? {},
      // The job type's own default when this process knows the type (a later worker cannot change it).
      maxAttempts: i.maxAttempts ?? services.registry.get(i.type)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      runAt,
      timeoutMs: i.timeoutMs ?? null,
      callbackUrl: i.callbackUrl ?? null,
      ...(i.scheduleId !== undefined ? { scheduleId: i.scheduleId } : {}),
      ...(i.traceparent !== undefined ? { traceparent: i.traceparent, tracestate: i.tracestate } : {}),
      people: i.people,
      now,
    };
  });
}

/** The job as it was just inserted. */
function createdJob(r: inserts.NewJobRow, now: number): Job {
  return {
    id: r.id,
    workspaceId: r.workspaceId,
    projectId: r.projectId,
    number: r.number,
    type: r.type,
    name: r.name,
    executor: r.people !== undefined ? ('people' as const) : ('worker' as const),
    status: r.status,
    statusReason: r.statusReason,
    priority: r.priority,
    input: r.input,
    output: null,
    error: r.error ?? null,
    progress: 0,
    progressMessage: null,
    attempts: 0,
    maxAttempts: r.maxAttempts,
    timeoutMs: r.timeoutMs,
    runAt: r.runAt,
    createdAt: now,
    startedAt: null,
    completedAt: r.status === 'failed' ? now : null,
    updatedAt: now,
    version: 1,
    expiredAt: null,
    callbackUrl: r.callbackUrl ?? null,
    scheduleId: r.scheduleId ?? null,
    people: r.people ?? null,
  };
}

/** A new job as inserted already claimed by a worker of this process (see services/handoff.ts). */
function claimedJob(job: Job): Job {
  return { ...job, status: 'running', statusReason: 'claimed', attempts: 1, startedAt: job.createdAt, version: 2 };
}

interface Dependencies {
  ids: string[];
  /** Some dependency is still unfinished: the job waits. */
  waiting: boolean;
  /** A dependency that failed or was cancelled: the job fails at once, naming it. */
  failed: string | undefined;
}

async function resolveDependencies(
  db: Executor,
  workspaceId: string,
  inputs: CreateJobInput[],
  newIds: string[],
  pointer: (index: number, field: string) => string,
): Promise<Dependencies[]> {
  // References to jobs of the same batch, by `ref`, become their new ids.
  const byRef = new Map<string, number>();
  inputs.forEach((i, index) => {
    if (i.ref === undefined) return;
    if (byRef.has(i.ref))
      throw validationFailed([
        {
          pointer: pointer(index, 'ref'),
          detail: `ref ${JSON.stringify(i.ref)} is used by more than one job of the batch`,
        },
      ]);
    byRef.set(i.ref, index);
  });
  const edges = inputs.map((i) =>
    [...new Set(i.dependsOn ?? [])].map((d) => (byRef.has(d) ? newIds[byRef.get(d)!]! : d)),
  );
  const inBatch = new Map(newIds.map((id, index) => [id, index]));
  const cycle = findCycle(edges.map((ds) => ds.filter((d) => inBatch.has(d)).map((d) => inBatch.get(d)!)));
  if (cycle !== undefined) {
    throw validationFailed([
      {
        pointer: pointer(cycle[0]!, 'depends_on'),
        detail: `jobs ${cycle.join(' → ')} of the batch depend on each other in a cycle`,
      },
    ]);
  }
  // Only well-formed ids can name existing jobs (PostgreSQL would reject the rest as uuids).
  const existing = [...new Set(edges.flat().filter((d) => !inBatch.has(d) && isUuid(d)))];
  // With several writers, a dependency could end between this read and the new job's commit, and its
  // ending would not see the new job waiting on it: the rows are locked until this transaction ends.
  const found = new Map(
    (await jobs.findStatuses(db, workspaceId, existing, { lock: true })).map((j) => [j.id, j.status]),
  );
  return edges.map((ids, index) => {
    const unknown = ids.filter((id) => !inBatch.has(id) && !found.has(id));
    if (unknown.length > 0) {
      throw validationFailed(
        unknown.map((id) => ({
          pointer: pointer(index, 'depends_on'),
          detail: `no job with id ${JSON.stringify(id)} exists in this workspace, and no job of the batch has this ref`,
        })),
      );
    }
    const statuses = ids.map((id) => [id, inBatch.has(id) ? 'pending' : found.get(id)!] as const);
    const failed = statuses.find(
      ([, status]) => status === 'failed' || status === 'cancelled' || status === 'cancelling',
    )?.[0];
    return { ids, waiting: statuses.some(([, status]) => status !== 'succeeded'), failed };
  });
}

/** A cycle among batch items (by index), or undefined; `edges[i]` are the items i depends on. */
export function findCycle(edges: number[][]): number[] | undefined {
  const state = new Array<0 | 1 | 2>(edges.length).fill(0); // unvisited, on the path, done
  const path: number[] = [];
  const visit = (node: number): number[] | undefined => {
    if (state[node] === 2) return undefined;
    if (state[node] === 1) return [...path.slice(path.indexOf(node)), node];
    state[node] = 1;
    path.push(node);
    for (const next of edges[node]!) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    path.pop();
    state[node] = 2;
    return undefined;
  };
  for (let i = 0; i < edges.length; i++) {
    const found = visit(i);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function createJob(
  services: Services,
  principal: Principal,
  input: CreateJobInput,
  trx?: Executor,
): Promise<Job> {
  const [job] = await createJobs(services, principal, [input], trx);
  return job!;
}

export async function getJob(services: Services, principal: Principal, id: string): Promise<Job> {
  return visible(principal, id, await readJob(services.store, principal.workspaceId, id));
}

export interface JobView {
  job: Job;
  attempts: AttemptRecord[];
  files: FileInfo[];
}

/** A job with its attempts and files, read in one statement (GET /v1/jobs/{id}). */
export async function getJobDetails(services: Services, principal: Principal, id: string): Promise<JobView> {
  return jobView(principal, id, await readJobDetails(services.store, { workspaceId: principal.workspaceId, id }));
}

/**
 * For a caller that showed version `version` of the job to a token of the same workspace: 'unchanged'
 * while the job is still at that version (a version that was visible stays visible: expiry moves it),
 * the job's details otherwise. A provider's token sees a job only when assigned, so it always reads.
 */
export async function getJobDetailsIfChanged(
  services: Services,
  principal: Principal,
  id: string,
  version: number,
): Promise<JobView | 'unchanged'> {
  if (principal.providerId !== undefined) return getJobDetails(services, principal, id);
  const read = await readJobDetails(services.store, { workspaceId: principal.workspaceId, id, version });
  return read !== undefined && 'unchanged' in read ? 'unchanged' : jobView(principal, id, read);
}

function jobView(principal: Principal, id: string, details: JobDetails | undefined): JobView {
  const job = visible(principal, id, details?.job);
  return { job, attempts: details!.attempts.map(toAttemptRecord), files: details!.files.map(fileInfo) };
}

/** The job as this principal may see it: 404 when it does not exist for them, 410 when expired. */
function visible(principal: Principal, id: string, job: Job | undefined): Job {
  if (job === undefined) throw notFound('job', id);
  // A provider's token sees only the jobs assigned to its provider; the others do not exist for it.
  if (principal.providerId !== undefined && !(job.people?.providers ?? []).some((p) => p.id === principal.providerId))
    throw notFound('job', id);
  if (job.expiredAt !== null) {
    throw new AppError('gone', `The job finished more than the retention period ago and its data was removed.`, {
      extra: { expired_at: new Date(job.expiredAt).toISOString() },
    });
  }
  return jobFor(job, principal.providerId);
}

export interface ListFilter {
  projectId?: string | undefined;
  statuses?: JobStatus[] | undefined;
  type?: string | undefined;
  nameContains?: string | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
}

export async function listJobs(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { pageSize: number; pageToken?: string | undefined; order?: jobs.JobOrder | undefined },
): Promise<{ jobs: Job[]; nextPageToken: string | undefined }> {
  const full = {
    ...filter,
    workspaceId: principal.workspaceId,
    ...(principal.providerId !== undefined ? { providerId: principal.providerId } : {}),
  };
  const order = page.order ?? 'created_at';
  // A token is bound to its order too: a position in one order means nothing in the other.
  const scope = order === 'created_at' ? full : { ...full, order };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  if (order === 'updated_at') {
    const [updatedAt, id] = after === undefined ? [] : after.split('/');
    const result = await jobs.listJobsByUpdate(
      services.store.db,
      full,
      after === undefined ? undefined : { updatedAt: Number(updatedAt), id: id! },
      page.pageSize,
    );
    const last = result.jobs.at(-1);
    return {
      jobs: result.jobs.map((j) => jobFor(j, principal.providerId)),
      nextPageToken:
        result.more && last !== undefined
          ? services.pageTokens.encode(`${last.updatedAt}/${last.id}`, scope)
          : undefined,
    };
  }
  const result = await jobs.listJobsAfter(services.store.db, full, after, page.pageSize);
  const last = result.jobs.at(-1);
  return {
    jobs: result.jobs.map((j) => jobFor(j, principal.providerId)),
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function listJobsByPage(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { page: number; perPage: number; order?: jobs.JobOrder | undefined },
): Promise<{ jobs: Job[]; total: number }> {
  const full = {
    ...filter,
    workspaceId: principal.workspaceId,
    ...(principal.providerId !== undefined ? { providerId: principal.providerId } : {}),
  };
  const result = await jobs.listJobsPage(
    services.store.db,
    full,
    (page.page - 1) * page.perPage,
    page.perPage,
    page.order,
  );
  return { ...result, jobs: result.jobs.map((j) => jobFor(j, principal.providerId)) };
}

export function stateConflict(job: Job, action: string): AppError {
  return new AppError('job_state_conflict', `The job is ${job.status}; it cannot ${action}.`, {
    // `status` is the HTTP status in a problem body, so the job's own status is `job_status`.
    extra: {
      status: job.status,
      job_status: job.status,
      status_reason: job.statusReason,
      allowed_actions: allowedActions(job.status, job.executor),
    },
  });
}

/**
 * Requeues a failed or cancelled job with a fresh set of attempts (its earlier attempts stay in its
 * history). It runs even if a job it depends on did not succeed: a retry is an explicit decision.
 */
export async function retryJob(services: Services, principal: Principal, id: string): Promise<Job> {
  const job = await getJob(services, principal, id);
  // A people job is reopened (POST /v1/jobs/{id}/reopen), not requeued for a worker.
  if (job.executor === 'people' || !TRANSITIONS.retry.from.includes(job.status)) throw stateConflict(job, 'be retried');
  const updated = await requeueJob(services.store.db, principal.workspaceId, id, services.clock.now());
  if (updated === undefined) throw stateConflict(await getJob(services, principal, id), 'be retried');
  services.wakeups.jobsAdded();
  return updated;
}

export async function jobAttempts(services: Services, job: Job): Promise<AttemptRecord[]> {
  if (job.attempts === 0 && job.startedAt === null) return [];
  const rows = await listAttempts(services.store.db, job.id);
  return rows.map(toAttemptRecord);
}

function toAttemptRecord(r: JobAttemptsTable): AttemptRecord {
  return {
    number: r.number,
    worker: r.worker,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    error: r.error_message === null ? null : { message: r.error_message, code: r.error_code, stack: r.error_stack },
  };
}
