import type pg from 'pg';
import { CompiledQuery } from 'kysely';
import {
  CLAIM_COLUMNS,
  MACHINE_JOB_COLUMNS,
  MACHINE_JOB_FIELDS,
  type InsertClaim,
  type NewJobRow,
} from '../job-inserts.js';
import { pgArray } from '../pg-arrays.js';
import type { Executor } from '../store.js';

// Jobs on PostgreSQL: plain statement texts written once at load, only their values built per call,
// since a new job's pickup is this insert alone (services/handoff.ts).

/**
 * The jobs as `v`, one row per job from unnest(…) of one array per column, bound as $1…$21, so a batch
 * of 1,000 jobs is parsed and planned like a batch of one.
 */
const UNNEST_JOBS = `unnest(${MACHINE_JOB_FIELDS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
    WITH ORDINALITY AS v(${MACHINE_JOB_COLUMNS.join(', ')}, position)`;
const unnestValues = (jobs: NewJobRow[]): unknown[] =>
  MACHINE_JOB_FIELDS.map(([, , value]) => pgArray(jobs.map(value)));

/** MACHINE_JOB_COLUMNS' values from UNNEST_JOBS' `v`; `overrides` replaces some (the number, a claim's status). */
function jobValues(overrides: Record<string, string>): string {
  return MACHINE_JOB_COLUMNS.map(
    (c) => overrides[c] ?? (c === 'input' || c === 'error' ? `v.${c}::jsonb` : `v.${c}`),
  ).join(', ');
}

const INSERT_JOBS = `INSERT INTO jobs (${MACHINE_JOB_COLUMNS.join(', ')}) SELECT ${jobValues({})} FROM ${UNNEST_JOBS}`;

/**
 * The statement numbering and inserting machine jobs of one project (or of none): the counter's
 * increment and the rows in one statement, its own transaction, one round trip. Its parameters follow
 * UNNEST_JOBS': the count, the workspace, the project if any; then, when the jobs are inserted claimed,
 * the claimed ids, the worker and the lease's expiry. Those rows are written as a claim leaves them
 * (what jobline_claim sets; migration 0018 gives them the events of a claim too).
 */
function numberedInsert(project: boolean, claimed: boolean): { name: string; text: string } {
  let last = MACHINE_JOB_FIELDS.length;
  const param = () => `$${++last}`;
  const count = param();
  const workspace = param();
  const counter = project
    ? `UPDATE projects SET job_counter = job_counter + ${count}::bigint WHERE id = ${param()}::uuid AND workspace_id = ${workspace}::text
        RETURNING job_counter - ${count}::bigint AS before`
    : `UPDATE workspaces SET job_counter = job_counter + ${count}::bigint WHERE id = ${workspace}::text RETURNING job_counter - ${count}::bigint AS before`;
  const number = 'counter.before + v.position';
  let insert = `INSERT INTO jobs (${MACHINE_JOB_COLUMNS.join(', ')}) SELECT ${jobValues({ number })} FROM counter, ${UNNEST_JOBS}`;
  if (claimed) {
    const [ids, worker, lease] = [param(), param(), param()];
    const values = jobValues({
      number,
      status: `CASE WHEN c.claimed THEN 'running' ELSE v.status END`,
      status_reason: `CASE WHEN c.claimed THEN 'claimed' ELSE v.status_reason END`,
    });
    insert = `INSERT INTO jobs (${[...MACHINE_JOB_COLUMNS, ...CLAIM_COLUMNS].join(', ')})
      SELECT ${values}, CASE WHEN c.claimed THEN 1 ELSE 0 END, CASE WHEN c.claimed THEN ${worker}::text END,
        CASE WHEN c.claimed THEN ${lease}::bigint END, CASE WHEN c.claimed THEN v.created_at END,
        CASE WHEN c.claimed THEN v.created_at END, CASE WHEN c.claimed THEN 2 ELSE 1 END
      FROM counter, ${UNNEST_JOBS} CROSS JOIN LATERAL (SELECT v.id = ANY(${ids}::uuid[]) AS claimed) c`;
  }
  return {
    name: `jobline_insert_${project ? 'project_' : ''}${claimed ? 'claimed_' : ''}jobs`,
    text: `WITH counter AS (${counter}), inserted AS (${insert}) SELECT before FROM counter`,
  };
}

/** numberedInsert's four statements, by [project][claimed]. */
const NUMBERED_INSERTS = [false, true].map((project) =>
  [false, true].map((claimed) => numberedInsert(project, claimed)),
);

/**
 * One named prepared statement, its own transaction: the counter's increment and the rows commit
 * together in one round trip instead of four (BEGIN, counter, INSERT, COMMIT).
 */
export async function postgresInsertNumbered(
  pool: pg.Pool,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
): Promise<number | undefined> {
  const values = unnestValues(jobs);
  values.push(jobs.length, workspaceId);
  if (projectId !== null) values.push(projectId);
  if (claim !== undefined) values.push([...claim.ids], claim.workerId, claim.leaseExpiresAt);
  const { rows } = await pool.query<{ before: string | number }>({
    ...NUMBERED_INSERTS[projectId === null ? 0 : 1]![claim === undefined ? 0 : 1]!,
    values,
  });
  return rows[0] === undefined ? undefined : Number(rows[0].before) + 1;
}

export async function postgresInsertMachineJobs(db: Executor, jobs: NewJobRow[]): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(INSERT_JOBS, unnestValues(jobs)));
}
