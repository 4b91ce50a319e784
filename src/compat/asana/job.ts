import { toIso } from '../../core/clock.js';
import type { Job } from '../../core/job.js';
import type { JobStatus } from '../../core/lifecycle.js';

// Jobline's job as Asana's Job (components.schemas.JobCompact of Asana's OpenAPI). The tables below are
// the whole mapping; docs/compat.md repeats them.

/** Jobline status → Asana job status (not_started, in_progress, succeeded, failed). */
export const ASANA_JOB_STATUSES: Readonly<Record<JobStatus, string>> = {
  pending: 'not_started',
  running: 'in_progress',
  delivered: 'in_progress', // people work handed in and awaiting acceptance: not finished yet
  cancelling: 'in_progress',
  cancelled: 'failed', // Asana has no cancelled job: it did not succeed
  succeeded: 'succeeded',
  failed: 'failed',
};

/** Jobline job type → Asana `resource_subtype`; other types keep their Jobline name. */
export const ASANA_SUBTYPES: Readonly<Record<string, string>> = {
  'duplicate-project': 'duplicate_project',
  export: 'export_request',
};

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export interface AsanaJobContext {
  /** Absolute, signed download URL of an export's file once it is written. */
  downloadUrl?: string | undefined;
}

/** The full record; `selectFields` keeps what opt_fields asks for (or the default set). */
export function asanaJob(job: Job, ctx: AsanaJobContext = {}) {
  const output = record(job.output);
  const copy = record(output.new_project);
  return {
    gid: job.id,
    resource_type: 'job',
    resource_subtype: ASANA_SUBTYPES[job.type] ?? job.type,
    status: ASANA_JOB_STATUSES[job.status],
    // The copy exists once the job has made it (Jobline creates it inside the job, in one transaction).
    new_project:
      job.type === 'duplicate-project' && typeof copy.id === 'string'
        ? { gid: copy.id, resource_type: 'project', name: copy.name as string }
        : null,
    new_task: null,
    new_project_template: null,
    new_graph_export: null,
    new_resource_export:
      job.type === 'export'
        ? {
            gid: job.id,
            resource_type: 'export_request',
            created_at: toIso(job.createdAt)!,
            download_url: ctx.downloadUrl ?? null,
            completed_at: job.status === 'succeeded' ? toIso(job.completedAt) : null,
          }
        : null,
    new_portfolio: null,
    new_task_template: null,
  };
}

export type AsanaJob = ReturnType<typeof asanaJob>;

/** Fields a job has without opt_fields: everything but the two object kinds Jobline never makes. */
export const DEFAULT_JOB_FIELDS = [
  'resource_type',
  'resource_subtype',
  'status',
  'new_project',
  'new_task',
  'new_project_template',
  'new_graph_export',
  'new_resource_export',
];
