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
  'duplicate-job': 'duplicate_task',
  export: 'export_request',
};

/** An export started by Asana's graph export (its parameters are kept in the job's input). */
export function isGraphExport(job: Job): boolean {
  return job.type === 'export' && record(record(job.input).presentation).asana_graph !== undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export interface AsanaJobContext {
  /** Absolute, signed download URL of an export's file once it is written. */
  downloadUrl?: string | undefined;
}

/**
 * The full record; `selectFields` keeps what opt_fields asks for (or the default set). Objects the job
 * has not made are left out, as Asana does: its schema lets only `new_task` be null.
 */
export function asanaJob(job: Job, ctx: AsanaJobContext = {}) {
  const output = record(job.output);
  const copy = record(output.new_project);
  const task = record(output.new_task);
  const template = record(output.new_project_template);
  const done = job.status === 'succeeded';
  const exportObject = (resourceType: string) => ({
    gid: job.id,
    resource_type: resourceType,
    created_at: toIso(job.createdAt)!,
    download_url: ctx.downloadUrl ?? null,
    // Not nullable in Asana's schema: absent until the export is complete.
    ...(done ? { completed_at: toIso(job.completedAt)! } : {}),
  });
  const subtype = isGraphExport(job) ? 'graph_export_request' : (ASANA_SUBTYPES[job.type] ?? job.type);
  return {
    gid: job.id,
    resource_type: 'job',
    resource_subtype: subtype,
    status: ASANA_JOB_STATUSES[job.status],
    // The copy exists once the job has made it (Jobline creates it inside the job, in one transaction).
    ...(typeof copy.id === 'string'
      ? { new_project: { gid: copy.id, resource_type: 'project', name: copy.name as string } }
      : {}),
    new_task:
      typeof task.id === 'string'
        ? { gid: task.id, resource_type: 'task', name: task.name as string, resource_subtype: 'default_task' }
        : null,
    ...(typeof template.id === 'string'
      ? { new_project_template: { gid: template.id, resource_type: 'project_template', name: template.name as string } }
      : {}),
    ...(subtype === 'graph_export_request' ? { new_graph_export: exportObject('graph_export') } : {}),
    ...(subtype === 'export_request' ? { new_resource_export: exportObject('export_request') } : {}),
  };
}

export type AsanaJob = ReturnType<typeof asanaJob>;

/** Fields a job has without opt_fields (those the job has of the seed example's members). */
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
