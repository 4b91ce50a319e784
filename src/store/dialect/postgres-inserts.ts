import type pg from 'pg';
import { CompiledQuery } from 'kysely';
import {
  CLAIM_COLUMNS,
  hasOrigin,
  machineJobColumns,
  machineJobFields,
  type InsertClaim,
  type NewJobRow,
} from '../job-inserts.js';
import { pgArray } from '../pg-arrays.js';
import type { Executor } from '../store.js';

// Jobs on PostgreSQL: plain statement texts written once at load, only their values built per call,
// since a new job's pickup is this insert alone (services/handoff.ts).

/**
 * The jobs as `v`, one row per job from unnest(…) of one array per column, bound as $1…$18 (…$21 with
 * the origin columns), so a batch of 1,000 jobs is parsed and planned like a batch of one.
 */
const unnestJobs = (origin: boolean): string => `unnest(${machineJobFields(origin)
  .map(([, type], index) => `$${index + 1}::${type}[]`)
  .join(', ')})
    WITH ORDINALITY AS v(${machineJobColumns(origin).join(', ')}, position)`;
const unnestValues = (jobs: NewJobRow[], origin: boolean): unknown[] =>
  machineJobFields(origin).map(([, , value]) => pgArray(jobs.map(value)));

/** The columns' values from unnestJobs' `v`; `overrides` replaces some (the number, a claim's status). */
function jobValues(origin: boolean, overrides: Record<string, string>): string {
  return machineJobColumns(origin)
    .map((c) => overrides[c] ?? (c === 'input' || c === 'error' ? `v.${c}::jsonb` : `v.${c}`))
    .join(', ');
}

const INSERT_JOBS = [false, true].map(
  (origin) =>
    `INSERT INTO jobs (${machineJobColumns(origin).join(', ')}) SELECT ${jobValues(origin, {})} FROM ${unnestJobs(origin)}`,
);

/**
 * The statement numbering and inserting machine jobs of one project (or of none): the counter's
 * increment and the rows in one statement, its own transaction, one round trip. Its parameters follow
 * UNNEST_JOBS': the count, the workspace, the project if any; then, when the jobs are inserted claimed,
 * the claimed ids, the worker and the lease's expiry. Those rows are written as a claim leaves them
 * (what jobline_claim sets; migration 0018 gives them the events of a claim too).
 */
function numberedInsert(project: boolean, claimed: boolean, origin: boolean): { name: string; text: string } {
  const columns = machineJobColumns(origin);
  const UNNEST_JOBS = unnestJobs(origin);
  let last = columns.length;
  const param = () => `$${++last}`;
  const count = param();
  const workspace = param();
  const counter = project
    ? `UPDATE projects SET job_counter = job_counter + ${count}::bigint WHERE id = ${param()}::uuid AND workspace_id = ${workspace}::text AND deleted_at IS NULL
        RETURNING job_counter - ${count}::bigint AS before`
    : `UPDATE workspaces SET job_counter = job_counter + ${count}::bigint WHERE id = ${workspace}::text RETURNING job_counter - ${count}::bigint AS before`;
  const number = 'counter.before + v.position';
  let insert = `INSERT INTO jobs (${columns.join(', ')}) SELECT ${jobValues(origin, { number })} FROM counter, ${UNNEST_JOBS}`;
  if (claimed) {
    const [ids, worker, lease] = [param(), param(), param()];
    const values = jobValues(origin, {
      number,
      status: `CASE WHEN c.claimed THEN 'running' ELSE v.status END`,
      status_reason: `CASE WHEN c.claimed THEN 'claimed' ELSE v.status_reason END`,
    });
    insert = `INSERT INTO jobs (${[...columns, ...CLAIM_COLUMNS].join(', ')})
      SELECT ${values}, CASE WHEN c.claimed THEN 1 ELSE 0 END, CASE WHEN c.claimed THEN ${worker}::text END,
        CASE WHEN c.claimed THEN ${lease}::bigint END, CASE WHEN c.claimed THEN v.created_at END,
        CASE WHEN c.claimed THEN v.created_at END, CASE WHEN c.claimed THEN 2 ELSE 1 END
      FROM counter, ${UNNEST_JOBS} CROSS JOIN LATERAL (SELECT v.id = ANY(${ids}::uuid[]) AS claimed) c`;
  }
  return {
    name: `jobline_insert_${project ? 'project_' : ''}${claimed ? 'claimed_' : ''}${origin ? 'origin_' : ''}jobs`,
    text: `WITH counter AS (${counter}), inserted AS (${insert}) SELECT before FROM counter`,
  };
}

/** numberedInsert's eight statements, by [project][claimed][origin]. */
const NUMBERED_INSERTS = [false, true].map((project) =>
  [false, true].map((claimed) => [false, true].map((origin) => numberedInsert(project, claimed, origin))),
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
  const origin = hasOrigin(jobs);
  const values = unnestValues(jobs, origin);
  values.push(jobs.length, workspaceId);
  if (projectId !== null) values.push(projectId);
  if (claim !== undefined) values.push([...claim.ids], claim.workerId, claim.leaseExpiresAt);
  const { rows } = await pool.query<{ before: string | number }>({
    ...NUMBERED_INSERTS[projectId === null ? 0 : 1]![claim === undefined ? 0 : 1]![origin ? 1 : 0]!,
    values,
  });
  return rows[0] === undefined ? undefined : Number(rows[0].before) + 1;
}

export async function postgresInsertMachineJobs(db: Executor, jobs: NewJobRow[]): Promise<void> {
  const origin = hasOrigin(jobs);
  await db.executeQuery(CompiledQuery.raw(INSERT_JOBS[origin ? 1 : 0]!, unnestValues(jobs, origin)));
}
