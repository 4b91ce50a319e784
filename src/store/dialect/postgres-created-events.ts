import { CHANNELS } from './postgres-listener.js';

// The job.created events of a PostgreSQL job insert, written by the insert's own statement (migration
// 0042 dropped the trigger that wrote them): the same rows SQLite's insert writes (store/created-events.ts).
// A statement-level trigger cost a function call, a transition table and three more statements on
// every insert, paid on a new job's pickup, which is that insert alone.

/** What the insert's `inserted` CTE returns of each job: what its events are made of. */
export const INSERTED_RETURNING =
  'RETURNING id, workspace_id, project_id, type, created_at, status, status_reason, schedule_id, attempts, error, lease_owner';

const EVENT_COLUMNS = 'workspace_id, job_id, job_ids, project_id, job_type, seq, name, data, actor, created_at';

/** A job's created data: one inserted claimed was created pending and queued, unless a schedule made it. */
const STATUS = `CASE WHEN status = 'running' AND schedule_id IS NULL THEN 'pending' ELSE status END`;
const REASON = `CASE WHEN status = 'running' AND schedule_id IS NULL THEN 'queued' ELSE status_reason END`;
const createdData = (status: string, reason: string) => `CASE WHEN schedule_id IS NOT NULL
      THEN jsonb_build_object('status', ${status}, 'status_reason', ${reason}, 'schedule_id', schedule_id)
      ELSE jsonb_build_object('status', ${status}, 'status_reason', ${reason}) END`;

/** The job.running event (seq 2) of each job inserted claimed, as a claim writes it. */
const RUNNING = `SELECT workspace_id, id, NULL::uuid[], project_id, type, 2, 'job.running',
      jsonb_build_object('status', status, 'status_reason', status_reason, 'previous_status', 'pending',
        'attempt', attempts, 'error', error),
      lease_owner, created_at
    FROM inserted WHERE status = 'running'`;

/**
 * The events of the jobs `inserted` returned: one job.created row per group of jobs whose event is the
 * same but for the job (a group of one is that job's own row), then the running events, in that order
 * so a job's created event comes first in the feed too.
 */
export const CREATED_EVENTS = `created_events AS (INSERT INTO job_events (${EVENT_COLUMNS})
    SELECT ${EVENT_COLUMNS} FROM (
      SELECT workspace_id, CASE WHEN cardinality(ids) = 1 THEN ids[1] END AS job_id,
        CASE WHEN cardinality(ids) > 1 THEN ids END AS job_ids, project_id, type AS job_type, 1 AS seq,
        'job.created' AS name, ${createdData('status', 'status_reason')} AS data, NULL::text AS actor, created_at
      FROM (
        SELECT workspace_id, project_id, type, created_at, status, status_reason, schedule_id, array_agg(id) AS ids
        FROM (SELECT workspace_id, id, project_id, type, created_at, schedule_id, ${STATUS} AS status,
            ${REASON} AS status_reason FROM inserted) n
        GROUP BY workspace_id, project_id, type, created_at, status, status_reason, schedule_id
      ) g
      UNION ALL ${RUNNING}
    ) e ORDER BY seq)`;

/** CREATED_EVENTS for an insert of one job: its own created row, nothing to group. */
export const CREATED_EVENTS_ONE = `created_events AS (INSERT INTO job_events (${EVENT_COLUMNS})
    SELECT ${EVENT_COLUMNS} FROM (
      SELECT workspace_id, id AS job_id, NULL::uuid[] AS job_ids, project_id, type AS job_type, 1 AS seq,
        'job.created' AS name, ${createdData(STATUS, REASON)} AS data, NULL::text AS actor, created_at
      FROM inserted
      UNION ALL ${RUNNING}
    ) e ORDER BY seq)`;

/**
 * Tells the workspace feed's followers in every process of jobs inserted unclaimed (a column of the
 * insert's result). Jobs inserted claimed are announced after their handover (the dialect's jobsCreated).
 */
export const ANNOUNCE_CREATED = (workspace: string) =>
  `CASE WHEN EXISTS (SELECT 1 FROM inserted WHERE status <> 'running')
      THEN pg_notify('${CHANNELS.events}', ' ' || ${workspace}::text) END AS created_announced`;
