import { createHash } from 'node:crypto';
import { toIso } from '../../core/clock.js';
import type { Job } from '../../core/job.js';
import type { JobStatus } from '../../core/lifecycle.js';

// Jobline's job as Elastic Path PXM's `pim-job` (components.schemas.job of the PIM OpenAPI). The
// tables below are the whole mapping; docs/compat.md repeats them.

/** Jobline job type → PXM job type. Jobs of other types are not shown through PXM's API. */
export const PIM_JOB_TYPES: Readonly<Record<string, string>> = {
  'bulk-import': 'product-import',
  export: 'product-export',
  'duplicate-project': 'hierarchy-duplicate',
};

/** Jobline status → PXM status (pending, started, success, failed, cancelling, cancelled). */
export const PIM_JOB_STATUSES: Readonly<Record<JobStatus, string>> = {
  pending: 'pending',
  running: 'started',
  delivered: 'started', // people work handed in and awaiting acceptance: not finished yet
  cancelling: 'cancelling',
  cancelled: 'cancelled',
  succeeded: 'success',
  failed: 'failed',
};

export interface PimJobContext {
  requestId: string;
  /** Absolute download URLs of the job's output files (product-export `file_locations`), when it has any. */
  fileLocations?: string[] | undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The export's input written in PXM's filter language (`eq(type,translate):in(status,pending,failed)`), or null. */
function exportFilter(input: Record<string, unknown>): string | null {
  const parts: string[] = [];
  if (typeof input.project_id === 'string') parts.push(`eq(project_id,${input.project_id})`);
  if (typeof input.type === 'string') parts.push(`eq(type,${input.type})`);
  if (Array.isArray(input.status) && input.status.length > 0) parts.push(`in(status,${input.status.join(',')})`);
  return parts.length === 0 ? null : parts.join(':');
}

function meta(job: Job, ctx: PimJobContext): Record<string, unknown> {
  const input = record(job.input);
  const output = record(job.output);
  const base = { x_request_id: ctx.requestId };
  switch (job.type) {
    case 'export':
      return { ...base, file_locations: ctx.fileLocations ?? null, filter: exportFilter(input) };
    case 'duplicate-project': {
      const copy = record(output.new_project);
      return {
        ...base,
        copied_from: input.project_id,
        ...(typeof copy.id === 'string' ? { hierarchy_id: copy.id } : {}),
      };
    }
    default:
      return base;
  }
}

export function pimJob(job: Job, ctx: PimJobContext) {
  return {
    type: 'pim-job' as const,
    id: job.id,
    attributes: {
      created_at: toIso(job.createdAt)!,
      started_at: toIso(job.startedAt),
      completed_at: toIso(job.completedAt),
      updated_at: toIso(job.updatedAt)!,
      status: PIM_JOB_STATUSES[job.status],
      type: PIM_JOB_TYPES[job.type] ?? job.type,
    },
    meta: meta(job, ctx),
  };
}

/**
 * A stable UUID for the n-th error of a job (name-based, RFC 9562 §5.5: SHA-1 with version 5 bits):
 * Jobline numbers a job's errors but gives them no id of their own, and PXM's error items have one.
 */
export function jobErrorId(jobId: string, seq: number): string {
  const b = createHash('sha1').update(`${jobId}/errors/${seq}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function pimJobError(jobId: string, seq: number, message: string) {
  return { type: 'pim-job-error' as const, id: jobErrorId(jobId, seq), attributes: { message } };
}
