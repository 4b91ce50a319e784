import type { Principal } from '../core/auth.js';
import { validationFailed, type FieldError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Job } from '../core/job.js';
import type { StatusReason } from '../core/lifecycle.js';
import type { PeopleWork } from '../core/people.js';
import { insertDependencies, insertNumberedJobs, type InsertClaim, type NewJobRow } from '../store/job-inserts.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';
import { NO_DEPENDENCIES, resolveDependencies, type Dependencies } from './job-dependencies.js';
import { claimedJob, createdJob, newJobRows } from './job-rows.js';
import { createKeyedJobs, hasKeys } from './job-keys.js';
import { storedInputProblems } from './job-types.js';
import { preparePeopleJobs } from './people-jobs.js';
import { callbackUrlProblems } from './webhooks.js';

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

/** Where a field of the batch's inputs is, for a problem's pointer. */
type Pointer = (index: number, field: string) => string;

/** Creates jobs in the caller's transaction (or a new one): all of them or none. */
export async function createJobs(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  trx?: Executor,
): Promise<Job[]> {
  const pointer: Pointer = (index, field) => (inputs.length === 1 ? `#/${field}` : `#/jobs/${index}/${field}`);
  const problems = inputs.flatMap((i, index) =>
    services.registry.validateInput(i.type, i.input ?? {}, pointer(index, 'input')),
  );
  // Types this process defines and no callback URL, the common case, need no reads to be checked.
  if (inputs.some((i) => i.callbackUrl !== undefined || services.registry.get(i.type) === undefined))
    problems.push(...(await checksWithReads(services, principal, inputs, trx ?? services.store.db, pointer)));
  if (problems.length > 0) throw validationFailed(problems);
  if (hasKeys(inputs)) {
    // The inputs not deduplicated, without their keys (set after), under the batch's own pointers.
    const insert = (db: Executor, indexes: number[]) =>
      writeJobs(
        services,
        principal,
        indexes.map((index) => ({ ...inputs[index]!, concurrencyKey: undefined, deduplicationKey: undefined })),
        (n, field) => pointer(indexes[n]!, field),
        db,
      );
    return createKeyedJobs(services, principal, inputs, trx, insert);
  }
  if (trx !== undefined) return writeJobs(services, principal, inputs, pointer, trx); // the caller commits, then wakes the workers
  // Machine jobs of one project (or of none) that depend on nothing, the common case for an API
  // client, need no reads before their insert: the store writes them in a transaction of the
  // insert's own (on PostgreSQL a single statement), and may hand them to an idle worker.
  const alone =
    new Set(inputs.map((i) => i.projectId ?? null)).size === 1 &&
    inputs.every(
      (i) => i.people === undefined && i.ref === undefined && (i.dependsOn === undefined || i.dependsOn.length === 0),
    );
  if (alone) return writeJobs(services, principal, inputs, pointer, undefined);
  const created = await services.store.transaction((db) => writeJobs(services, principal, inputs, pointer, db));
  services.wakeups.jobsInserted();
  return created;
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

/** The checks of new jobs that read: stored input schemas of types no code defines, callback URLs. */
async function checksWithReads(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  db: Executor,
  pointer: Pointer,
): Promise<FieldError[]> {
  // Types no code defines may have an input schema stored in the workspace (services/job-types.ts).
  const problems = await storedInputProblems(
    services,
    db,
    principal.workspaceId,
    inputs.map((i, index) => ({ type: i.type, input: i.input ?? {}, pointer: pointer(index, 'input') })),
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
  return problems;
}

/**
 * Writes the jobs in the transaction `db`, or, without one, those createJobs found need no reads in a
 * transaction of the insert's own: runnable ones then go straight to an idle worker of this process
 * that runs their type, if there is one (services/handoff.ts).
 */
async function writeJobs(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  pointer: Pointer,
  db: Executor | undefined,
): Promise<Job[]> {
  const now = services.clock.now();
  const ids = inputs.map(() => uuidv7(now));
  let dependencies: Dependencies[] = inputs.map(() => NO_DEPENDENCIES);
  if (db !== undefined) {
    dependencies = await resolveDependencies(db, principal.workspaceId, inputs, ids, pointer);
    if (inputs.some((i) => i.people !== undefined)) await preparePeopleJobs(db, principal, inputs, pointer);
  }
  const rows = newJobRows(services, principal, inputs, ids, dependencies, now);
  const runnable = db === undefined ? rows.filter((r) => r.statusReason === 'queued') : [];
  const handover = runnable.length > 0 ? services.handoff.offer(runnable, now) : undefined;
  // Jobs an idle worker of another process took at the insert (a standing claim), by worker.
  const elsewhere = new Map<string, string>();
  try {
    // Numbered per project (or per workspace for jobs without one), the counters locked in one order
    // (workspace first, then projects by id) so two batches naming the same projects in different
    // orders cannot deadlock on PostgreSQL.
    for (const [projectId, group] of byProject(rows)) {
      const options = {
        trx: db,
        claim: handover,
        handedOver: (to: InsertClaim) => to.ids.forEach((id) => elsewhere.set(id, to.workerId)),
      };
      if (!(await insertNumberedJobs(services.store, principal.workspaceId, projectId, group, options))) {
        const index = inputs.findIndex((i) => (i.projectId ?? null) === projectId);
        throw validationFailed([
          {
            pointer: pointer(index, 'project_id'),
            detail: `no project with id ${JSON.stringify(projectId)} exists in this workspace`,
          },
        ]);
      }
    }
  } catch (error) {
    handover?.settle([]);
    throw error;
  }
  if (db !== undefined) {
    const edges = rows.flatMap((r, index) =>
      dependencies[index]!.ids.map((dependsOnId) => ({ jobId: r.id, dependsOnId })),
    );
    await insertDependencies(db, edges);
  }
  const created = rows.map((r) =>
    handover?.ids.has(r.id) === true
      ? claimedJob(createdJob(r, now))
      : elsewhere.has(r.id)
        ? claimedJob(createdJob(r, now), elsewhere.get(r.id))
        : createdJob(r, now),
  );
  // Jobs written in a transaction wake the workers once it commits (createJobs, or the caller).
  if (db === undefined && (handover?.ids.size ?? 0) + elsewhere.size < rows.length) services.wakeups.jobsInserted();
  handover?.settle(created.filter((j) => handover.ids.has(j.id)));
  services.wakeups.jobsCreated(principal.workspaceId, handover !== undefined || elsewhere.size > 0);
  return created;
}

/** The rows by project (null first, then by id), each group in input order. */
function byProject(rows: NewJobRow[]): [string | null, NewJobRow[]][] {
  const groups = new Map<string | null, NewJobRow[]>();
  for (const r of rows) {
    const group = groups.get(r.projectId);
    if (group === undefined) groups.set(r.projectId, [r]);
    else group.push(r);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0));
}
