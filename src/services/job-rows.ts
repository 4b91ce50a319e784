import type { Principal } from '../core/auth.js';
import { DEFAULT_MAX_ATTEMPTS, type Job } from '../core/job.js';
import type { NewJobRow } from '../store/job-inserts.js';
import type { Services } from './context.js';
import type { CreateJobInput } from './job-creation.js';
import type { Dependencies } from './job-dependencies.js';

// A new job three ways: the input it is created from, the row the store inserts, and the job the
// caller gets back (as the insert wrote it, so it needs no read).

/** The rows of new jobs, unnumbered (the store numbers them as it inserts them). */
export function newJobRows(
  services: Services,
  principal: Principal,
  inputs: CreateJobInput[],
  ids: string[],
  dependencies: Dependencies[],
  now: number,
): NewJobRow[] {
  return inputs.map((i, index) => {
    const runAt = i.runAt ?? now;
    const deps = dependencies[index]!;
    return {
      id: ids[index]!,
      workspaceId: principal.workspaceId,
      projectId: i.projectId ?? null,
      number: 0,
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
export function createdJob(r: NewJobRow, now: number): Job {
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

/** A new job as inserted already claimed by a worker (of this process or another, see services/handoff.ts). */
export function claimedJob(job: Job, workerId?: string): Job {
  const claimed: Job = {
    ...job,
    status: 'running',
    statusReason: 'claimed',
    attempts: 1,
    startedAt: job.createdAt,
    version: 2,
  };
  if (workerId !== undefined) claimed.leaseOwner = workerId;
  return claimed;
}
