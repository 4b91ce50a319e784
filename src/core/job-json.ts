import { toIso } from './clock.js';
import type { AttemptRecord, Job } from './job.js';
import { peopleRepresentation } from './people-json.js';

/** The native JSON shape of a job: snake_case, ISO 8601 UTC timestamps, every field always present. */
export function jobRepresentation(job: Job) {
  return {
    id: job.id,
    project_id: job.projectId,
    number: job.number,
    type: job.type,
    name: job.name,
    executor: job.executor,
    status: job.status,
    status_reason: job.statusReason,
    priority: job.priority,
    input: job.input,
    output: job.output,
    error: job.error,
    progress: job.progress,
    progress_message: job.progressMessage,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    // The attempt under way is recorded in attempt_history when it ends; until then this names its worker.
    worker: job.leaseOwner ?? null,
    timeout_ms: job.timeoutMs,
    run_at: toIso(job.runAt)!,
    created_at: toIso(job.createdAt)!,
    started_at: toIso(job.startedAt),
    completed_at: toIso(job.completedAt),
    updated_at: toIso(job.updatedAt)!,
    version: job.version,
    callback_url: job.callbackUrl ?? null,
    schedule_id: job.scheduleId ?? null,
    concurrency_key: job.concurrencyKey ?? null,
    deduplication_key: job.deduplicationKey ?? null,
    people: peopleRepresentation(job.people),
  };
}

export type JobRepresentation = ReturnType<typeof jobRepresentation>;

export function attemptRepresentation(a: AttemptRecord) {
  return {
    number: a.number,
    worker: a.worker,
    started_at: toIso(a.startedAt)!,
    finished_at: toIso(a.finishedAt),
    outcome: a.outcome,
    error: a.error,
  };
}
