import { CompiledQuery } from 'kysely';
import { eventRowInserts, groupInOrder, type EventRowToWrite } from './event-row-inserts.js';
import type { InsertClaim, NewJobRow } from './job-inserts.js';
import type { Executor } from './store.js';

// SQLite (migration 0030): the job.created events of the jobs one insert writes, as batch rows, one
// per group of jobs whose event is the same but for the job (workspace, project, type, time, data),
// and the job.running event (seq 2) of each job inserted claimed, a row of its own. The job inserts
// run these right after their INSERT, in its transaction; PostgreSQL's insert statement writes the
// same rows (dialect/postgres-created-events.ts). Nobody can be following a job that did not exist
// yet: the inserts announce new jobs to the feed's followers once per statement (Wakeups.jobsCreated).

/** The INSERT statements appending the events of the just inserted `jobs`. */
export function createdEventInserts(
  jobs: readonly NewJobRow[],
  claim: InsertClaim | undefined,
): { text: string; values: unknown[] }[] {
  const created = jobs.map((j) => ({ job: j, data: createdData(j, claim?.ids.has(j.id) === true) }));
  const groups = groupInOrder(
    created,
    [(c) => c.job.workspaceId, (c) => c.job.projectId, (c) => c.job.type, (c) => c.job.now, (c) => c.data],
    ({ job: j }) => j.id,
  );
  // A group of one job gets a row of its own, as before migration 0030: a batch row of one saves no
  // row, and its entries in the index of batch rows and at the NULL end of the (job_id, seq) key would
  // be two more pages for the commit to write, on a new job's pickup (one job inserted alone).
  const rows: EventRowToWrite[] = groups.map(({ first: { job: j, data }, ids }) => ({
    workspaceId: j.workspaceId,
    jobId: ids.length === 1 ? ids[0]! : null,
    jobIds: ids.length === 1 ? null : ids,
    projectId: j.projectId,
    jobType: j.type,
    seq: 1,
    name: 'job.created',
    data,
    actor: null,
    createdAt: j.now,
  }));
  if (claim !== undefined) {
    for (const j of jobs) {
      if (!claim.ids.has(j.id)) continue;
      rows.push({
        workspaceId: j.workspaceId,
        jobId: j.id,
        jobIds: null,
        projectId: j.projectId,
        jobType: j.type,
        seq: 2,
        name: 'job.running',
        data: runningData(j),
        actor: claim.workerId,
        createdAt: j.now,
      });
    }
  }
  return eventRowInserts(rows);
}

/** The running event's data of a job claimed as it was inserted. */
function runningData(j: NewJobRow): string {
  const error = j.error === undefined ? 'null' : JSON.stringify(j.error);
  return `{"status":"running","status_reason":"claimed","previous_status":"pending","attempt":1,"error":${error}}`;
}

/**
 * The created event's data, as JSON text: a job inserted claimed was created pending, then claimed.
 * Statuses and reasons are plain words, so only a schedule's id needs JSON.stringify.
 */
function createdData(j: NewJobRow, claimed: boolean): string {
  const [status, reason] = claimed
    ? j.scheduleId !== undefined
      ? ['running', 'claimed']
      : ['pending', 'queued']
    : [j.status, j.statusReason];
  const schedule = j.scheduleId !== undefined ? `,"schedule_id":${JSON.stringify(j.scheduleId)}` : '';
  return `{"status":"${status}","status_reason":"${reason}"${schedule}}`;
}

/** The job.created events of jobs inserted without a claim, in the caller's transaction. */
export async function writeCreatedEvents(db: Executor, jobs: readonly NewJobRow[]): Promise<void> {
  for (const e of createdEventInserts(jobs, undefined)) await db.executeQuery(CompiledQuery.raw(e.text, e.values));
}
