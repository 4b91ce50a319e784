import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../core/auth.js';
import type { Job } from '../core/job.js';
import type { Project } from '../core/project.js';
import type { Registry } from '../core/registry.js';
import type { Services } from '../services/context.js';
import { createJobs, type CreateJobInput } from '../services/job-creation.js';
import { getProject } from '../services/projects.js';
import type { Database } from '../store/schema.js';
import type { Executor } from '../store/store.js';

/**
 * What the built-in job types (src/jobs) use of Jobline beyond a handler's public context: its tables
 * (through the store's query functions), its clock and job types, and creating jobs and reading
 * projects as the job itself. Not the whole `Services` object: a handler reaches no tokens, event hub,
 * handoff, policy or file storage other than through its context's files.
 */
export interface BuiltinContext {
  /** Jobline's database, for the store's query functions. */
  readonly db: Kysely<Database>;
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  now(): number;
  /** The job types this process knows (to validate the input of jobs to create). */
  readonly registry: Registry;
  /**
   * Creates jobs in this job's workspace, all or none: in `trx` when given (then call jobsAdded once
   * it commits), otherwise in a transaction of their own that wakes the workers itself.
   */
  createJobs(inputs: CreateJobInput[], trx?: Executor): Promise<Job[]>;
  /** A project of this job's workspace, or the not_found AppError. */
  getProject(id: string): Promise<Project>;
  /** Wakes the workers for jobs that a committed transaction created. */
  jobsAdded(): void;
}

/** Built-in jobs act inside the workspace of the job that runs them, with the rights of a writer. */
export function jobPrincipal(job: { id: string; workspaceId: string }): Principal {
  return { tokenId: `job:${job.id}`, workspaceId: job.workspaceId, scopes: ['jobs:read', 'jobs:write'] };
}

export function builtinContext(services: Services, job: { id: string; workspaceId: string }): BuiltinContext {
  const principal = jobPrincipal(job);
  return {
    db: services.store.db,
    transaction: (fn) => services.store.transaction(fn),
    now: () => services.clock.now(),
    registry: services.registry,
    createJobs: (inputs, trx) => createJobs(services, principal, inputs, trx),
    getProject: (id) => getProject(services, principal, id),
    jobsAdded: () => services.wakeups.jobsAdded(),
  };
}
