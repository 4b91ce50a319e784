import { eventRowInserts, groupInOrder } from './event-row-inserts.js';

// SQLite (migration 0025): the status events of a claim and of a completion batch as batch rows, one
// job_events row per group of jobs whose event is the same but for the job (workspace, project, type,
// seq, attempt, error), its jobs listed in job_ids. The claim's and the completion's UPDATE bump each
// job's event_seq and return the columns below, which the status trigger then leaves to this.
// PostgreSQL's trigger groups the same way (its migration 0030).

/** The columns a batched status change returns per job (after RETURNING). */
export interface StatusChangedRow {
  id: string;
  workspace_id: string;
  project_id: string | null;
  type: string;
  attempts: number;
  event_seq: number;
  /** The job's error as stored (JSON text), or null. */
  error: string | null;
}

export interface StatusChange {
  status: string;
  statusReason: string;
  previousStatus: string;
  /** The worker, for job.running (as the trigger's actor); null otherwise. */
  actor: string | null;
  at: number;
}

/**
 * The INSERT statements appending `rows`' events, in the order of `rows` (the first job of each group
 * decides where the group's row goes; a job's k is its index in job_ids).
 */
export function statusEventBatches(
  rows: StatusChangedRow[],
  change: StatusChange,
): { text: string; values: unknown[] }[] {
  const groups = groupInOrder(
    rows,
    [(r) => r.workspace_id, (r) => r.project_id, (r) => r.type, (r) => r.event_seq, (r) => r.attempts, (r) => r.error],
    (r) => r.id,
  );
  // The trigger's json_object(…), in its key order; error is stored JSON already.
  const head = `{"status":${JSON.stringify(change.status)},"status_reason":${JSON.stringify(change.statusReason)},"previous_status":${JSON.stringify(change.previousStatus)},"attempt":`;
  return eventRowInserts(
    groups.map(({ first: r, ids }) => ({
      workspaceId: r.workspace_id,
      jobId: null,
      jobIds: ids,
      projectId: r.project_id,
      jobType: r.type,
      seq: r.event_seq,
      name: `job.${change.status}`,
      data: `${head}${r.attempts},"error":${r.error ?? 'null'}}`,
      actor: change.actor,
      createdAt: change.at,
    })),
  );
}
