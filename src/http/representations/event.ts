import { toIso } from '../../core/clock.js';
import type { JobEvent } from '../../core/events.js';

/** The native shape of an event, in lists, feeds and SSE `data` alike. */
export function eventRepresentation(e: JobEvent) {
  return {
    id: e.cursor,
    type: e.name,
    job_id: e.jobId,
    job_type: e.jobType,
    project_id: e.projectId,
    seq: e.seq,
    data: e.data,
    actor: e.actor,
    created_at: toIso(e.createdAt)!,
  };
}
