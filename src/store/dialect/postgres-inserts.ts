import type pg from 'pg';
import { CompiledQuery } from 'kysely';
import {
  CLAIM_COLUMNS,
  JSON_COLUMNS,
  SHAPES,
  jobColumns,
  jobFields,
  shapeOf,
  type InsertClaim,
  type NewJobRow,
  type Shape,
} from '../job-inserts.js';
import { pgArray } from '../pg-arrays.js';
import { CHANNELS } from './postgres-listener.js';
import type { Executor } from '../store.js';

// Jobs on PostgreSQL: plain statement texts written once at load, only their values built per call,
// since a new job's pickup is this insert alone (services/handoff.ts).

/**
 * The jobs as `v`, one row per job from unnest(…) of one array per column, bound as $1…$n, so a batch
 * of 1,000 jobs is parsed and planned like a batch of one.
 */
const unnestJobs = (shape: Shape): string => `unnest(${jobFields(shape)
  .map(([, type], index) => `$${index + 1}::${type}[]`)
  .join(', ')})
    WITH ORDINALITY AS v(${jobColumns(shape).join(', ')}, position)`;
const unnestValues = (jobs: NewJobRow[], shape: Shape): unknown[] =>
  jobFields(shape).map(([, , value]) => pgArray(jobs.map(value)));

/** The columns' values from unnestJobs' `v`; `overrides` replaces some (the number, a claim's status). */
function jobValues(shape: Shape, overrides: Record<string, string>): string {
  return jobColumns(shape)
    .map((c) => overrides[c] ?? (JSON_COLUMNS.has(c) ? `v.${c}::jsonb` : `v.${c}`))
    .join(', ');
}

/**
 * The statement numbering and inserting jobs of one project (or of none): the counter's increment and
 * the rows in one statement, one round trip. Its parameters follow unnestJobs': the count, the
 * workspace, the project if any; then, when the jobs are inserted claimed, the claimed ids, the worker
 * and the lease's expiry. Those rows are written as a claim leaves them (what jobline_claim sets;
 * migration 0018 gives them the events of a claim too).
 */
function numberedInsert(project: boolean, claimed: boolean, shape: Shape): { name: string; text: string } {
  const columns = jobColumns(shape);
  const UNNEST_JOBS = unnestJobs(shape);
  let last = columns.length;
  const param = () => `$${++last}`;
  const count = param();
  const workspace = param();
  const counter = project
    ? `UPDATE projects SET job_counter = job_counter + ${count}::bigint WHERE id = ${param()}::uuid AND workspace_id = ${workspace}::text AND deleted_at IS NULL
        RETURNING job_counter - ${count}::bigint AS before`
    : `UPDATE workspaces SET job_counter = job_counter + ${count}::bigint WHERE id = ${workspace}::text RETURNING job_counter - ${count}::bigint AS before`;
  const number = 'counter.before + v.position';
  let insert = `INSERT INTO jobs (${columns.join(', ')}) SELECT ${jobValues(shape, { number })} FROM counter, ${UNNEST_JOBS}`;
  if (claimed) {
    const [ids, worker, lease] = [param(), param(), param()];
    const values = jobValues(shape, {
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
  // Runnable jobs inserted unclaimed wake the workers of every process when the insert commits.
  const announce = param();
  const origin = shape === 1 ? 'origin_' : shape === 2 ? 'people_' : shape === 3 ? 'origin_people_' : '';
  return {
    name: `jobline_insert_${project ? 'project_' : ''}${claimed ? 'claimed_' : ''}${origin}jobs`,
    text: `WITH counter AS (${counter}), inserted AS (${insert})
      SELECT before, CASE WHEN ${announce}::boolean THEN pg_notify('${CHANNELS.jobs}', '') END AS announced FROM counter`,
  };
}

/** numberedInsert's statements, by [project][claimed][shape]. */
const NUMBERED_INSERTS = [false, true].map((project) =>
  [false, true].map((claimed) => SHAPES.map((shape) => numberedInsert(project, claimed, shape))),
);

/**
 * Numbers and inserts jobs in one statement. On its own (no `trx`), the statement is a named prepared
 * statement and its own transaction: the counter's increment and the rows commit together in one
 * round trip instead of four (BEGIN, counter, INSERT, COMMIT). In the caller's transaction `trx` it
 * runs on that transaction's connection. Returns the first number, or undefined (nothing inserted)
 * when the project does not exist in the workspace.
 */
export async function postgresInsertNumbered(
  pool: pg.Pool,
  trx: Executor | undefined,
  workspaceId: string,
  projectId: string | null,
  jobs: NewJobRow[],
  claim: InsertClaim | undefined,
): Promise<number | undefined> {
  const shape = shapeOf(jobs);
  const values = unnestValues(jobs, shape);
  values.push(jobs.length, workspaceId);
  if (projectId !== null) values.push(projectId);
  if (claim !== undefined) values.push([...claim.ids], claim.workerId, claim.leaseExpiresAt);
  values.push(jobs.some((j) => j.statusReason === 'queued' && claim?.ids.has(j.id) !== true));
  const statement = NUMBERED_INSERTS[projectId === null ? 0 : 1]![claim === undefined ? 0 : 1]![shape]!;
  const { rows } =
    trx === undefined
      ? await pool.query<{ before: string | number }>({ ...statement, values })
      : await trx.executeQuery<{ before: string | number }>(CompiledQuery.raw(statement.text, values));
  return rows[0] === undefined ? undefined : Number(rows[0].before) + 1;
}
