import type pg from 'pg';
import { CompiledQuery } from 'kysely';
import {
  CLAIM_COLUMNS,
  JSON_COLUMNS,
  SHAPES,
  jobColumns,
  jobFields,
  shapeOf,
  type Field,
  type InsertClaim,
  type NumberedInsert,
  type NewJobRow,
  type Shape,
} from '../job-inserts.js';
import { pgArray } from '../pg-arrays.js';
import { CHANNELS } from './postgres-listener.js';
import { ANNOUNCE_CREATED, CREATED_EVENTS, CREATED_EVENTS_ONE, INSERTED_RETURNING } from './postgres-created-events.js';
import type { Executor } from '../store.js';
import { HANDED_ONE, STANDING_CLAIM, STANDING_CLAIM_ONE } from './postgres-standing-claims.js';

// Jobs on PostgreSQL: plain statement texts written once at load, only their values built per call,
// since a new job's pickup is this insert alone (services/handoff.ts).

/**
 * Columns written without a value bound per job: the number comes from the counter, and a new job's
 * update time is its creation time (JOB_FIELDS), so neither is sent, nor parsed, as an array.
 */
const DERIVED: Readonly<Record<string, string>> = { updated_at: 'v.created_at' };
const BOUND = SHAPES.map((shape) => jobFields(shape).filter(([column]) => column !== 'number' && !(column in DERIVED)));
/** The fields whose values are bound, one parameter (an array for a batch) each, in column order. */
const boundFields = (shape: Shape): readonly Field[] => BOUND[shape]!;

/** The bound fields whose values differ from job to job in nearly every batch: always bound as arrays. */
const PER_JOB: ReadonlySet<string> = new Set(['id', 'input']);

/**
 * The jobs as `v`, one row per job from unnest(…) of one array per bound column, bound as $1…$n, so
 * a batch of 1,000 jobs is parsed and planned like a batch of one. For a `uniform` batch, whose jobs
 * share every value but PER_JOB's (jobs of one type created together), those are bound once as
 * scalars instead: neither built nor parsed a thousand times.
 */
function unnestJobs(shape: Shape, uniform: boolean): string {
  const fields = boundFields(shape).map(([column, type], index) => ({ column, type, param: `$${index + 1}` }));
  const arrays = uniform ? fields.filter((f) => PER_JOB.has(f.column)) : fields;
  const unnest = `unnest(${arrays.map((f) => `${f.param}::${f.type}[]`).join(', ')})`;
  const names = arrays.map((f) => f.column).join(', ');
  if (!uniform) return `${unnest}\n    WITH ORDINALITY AS v(${names}, position)`;
  const columns = fields.map((f) => (PER_JOB.has(f.column) ? `u.${f.column}` : `${f.param}::${f.type} AS ${f.column}`));
  return `(SELECT ${columns.join(', ')}, u.position
    FROM ${unnest} WITH ORDINALITY AS u(${names}, position)) AS v`;
}

/**
 * unnestJobs' values for these jobs, and whether the batch is uniform (see there): a shared value is
 * read from each job only until one differs, and no array is built for it.
 */
function unnestValues(jobs: NewJobRow[], shape: Shape): { values: unknown[]; uniform: boolean } {
  const fields = boundFields(shape);
  const first = jobs[0]!;
  const uniform = fields.every(([column, , value]) => {
    if (PER_JOB.has(column)) return true;
    const shared = value(first);
    return jobs.every((j) => value(j) === shared);
  });
  return {
    values: fields.map(([column, , value]) =>
      uniform && !PER_JOB.has(column) ? value(first) : pgArray(jobs.map(value)),
    ),
    uniform,
  };
}

/** One job as `v`, a row of its bound columns each bound as a parameter of its own ($1…$n). */
const oneJob = (shape: Shape): string =>
  `(SELECT ${boundFields(shape)
    .map(([column, type], index) => `$${index + 1}::${type} AS ${column}`)
    .join(', ')}) AS v`;
const oneJobValues = (job: NewJobRow, shape: Shape): unknown[] => boundFields(shape).map(([, , value]) => value(job));

/**
 * The columns' values from unnestJobs' `v`; `overrides` replaces some (the number, a claim's status),
 * and DERIVED gives those not bound.
 */
function jobValues(shape: Shape, overrides: Record<string, string>): string {
  return jobColumns(shape)
    .map((c) => overrides[c] ?? DERIVED[c] ?? (JSON_COLUMNS.has(c) ? `v.${c}::jsonb` : `v.${c}`))
    .join(', ');
}

/** The columns a claim sets, for rows where `claimed` holds: the worker's, its lease's expiry, and the time. */
const claimValues = (claimed: string, worker: string, lease: string): string =>
  `CASE WHEN ${claimed} THEN 1 ELSE 0 END, CASE WHEN ${claimed} THEN ${worker} END,
        CASE WHEN ${claimed} THEN ${lease} END, CASE WHEN ${claimed} THEN v.created_at END,
        CASE WHEN ${claimed} THEN v.created_at END, CASE WHEN ${claimed} THEN 2 ELSE 1 END`;

/** The job's columns, with the status a claim sets where `claimed` holds. */
const claimedJobValues = (shape: Shape, number: string, claimed: string): string =>
  jobValues(shape, {
    number,
    status: `CASE WHEN ${claimed} THEN 'running' ELSE v.status END`,
    status_reason: `CASE WHEN ${claimed} THEN 'claimed' ELSE v.status_reason END`,
  });

/**
 * How new jobs are inserted: `plain` unclaimed, `claimed` partly by a worker of this process, or
 * `standing` unclaimed unless a standing claim of another process's worker takes them
 * (`claimed_one` and `standing_one` when there is one job, the common case of an API client).
 */
type InsertMode = 'plain' | 'claimed' | 'claimed_one' | 'standing' | 'standing_one';
const MODES: readonly InsertMode[] = ['plain', 'claimed', 'claimed_one', 'standing', 'standing_one'];

/**
 * The statement numbering and inserting jobs of one project (or of none): the counter's increment and
 * the rows in one statement, one round trip. Its parameters follow unnestJobs' (oneJob's for
 * `standing_one` and `claimed_one`): the count, the workspace, the project if any; then, when the jobs
 * are inserted claimed by a worker of this process, the claimed ids (not for `claimed_one`), the
 * worker and the lease's expiry, or for standing claims the time; last, but for `claimed_one`, whether
 * runnable jobs are inserted unclaimed. Claimed rows are
 * written as a claim leaves them (what jobline_claim sets; migration 0018 gives them the events of a
 * claim too).
 */
function numberedInsert(
  project: boolean,
  mode: InsertMode,
  shape: Shape,
  uniform: boolean,
): { name: string; text: string } {
  const columns = jobColumns(shape);
  const UNNEST_JOBS = unnestJobs(shape, uniform);
  let last = boundFields(shape).length;
  const param = () => `$${++last}`;
  const count = param();
  const workspace = param();
  const counter = project
    ? `UPDATE projects SET job_counter = job_counter + ${count}::bigint WHERE id = ${param()}::uuid AND workspace_id = ${workspace}::text AND deleted_at IS NULL
        RETURNING job_counter - ${count}::bigint AS before`
    : `UPDATE workspaces SET job_counter = job_counter + ${count}::bigint WHERE id = ${workspace}::text RETURNING job_counter - ${count}::bigint AS before`;
  const number = 'counter.before + v.position';
  const origin = shape === 1 ? 'origin_' : shape === 2 ? 'people_' : shape === 3 ? 'origin_people_' : '';
  const name = `jobline_insert_${project ? 'project_' : ''}${mode === 'plain' ? '' : `${mode}_`}${uniform ? 'uniform_' : ''}${origin}jobs`;
  const all = [...columns, ...CLAIM_COLUMNS].join(', ');
  if (mode === 'plain') {
    const announce = param();
    return {
      name,
      text: `WITH counter AS (${counter}), inserted AS (INSERT INTO jobs (${columns.join(', ')})
      SELECT ${jobValues(shape, { number })} FROM counter, ${UNNEST_JOBS} ${INSERTED_RETURNING}), ${CREATED_EVENTS}
      SELECT before, CASE WHEN ${announce}::boolean THEN pg_notify('${CHANNELS.jobs}', '') END AS announced,
        ${ANNOUNCE_CREATED(workspace)}, NULL::text AS handed_to, NULL::uuid[] AS handed, NULL::bigint AS lease_ms FROM counter`,
    };
  }
  if (mode === 'claimed') {
    const [ids, worker, lease] = [param(), param(), param()];
    const announce = param();
    const isClaimed = 'c.claimed';
    return {
      name,
      text: `WITH counter AS (${counter}), inserted AS (INSERT INTO jobs (${all})
      SELECT ${claimedJobValues(shape, number, isClaimed)}, ${claimValues(isClaimed, `${worker}::text`, `${lease}::bigint`)}
      FROM counter, ${UNNEST_JOBS} CROSS JOIN LATERAL (SELECT v.id = ANY(${ids}::uuid[]) AS claimed) c
      ${INSERTED_RETURNING}), ${CREATED_EVENTS},
      -- The worker's standing claim, if any, counts these too (see STANDING_CLAIM).
      taken AS (UPDATE worker_waits w SET slots = w.slots - cardinality(${ids}::uuid[]),
        handed = w.handed + cardinality(${ids}::uuid[]) WHERE w.worker_id = ${worker}::text)
      SELECT before, CASE WHEN ${announce}::boolean THEN pg_notify('${CHANNELS.jobs}', '') END AS announced,
        ${ANNOUNCE_CREATED(workspace)}, NULL::text AS handed_to, NULL::uuid[] AS handed, NULL::bigint AS lease_ms FROM counter`,
    };
  }
  if (mode === 'claimed_one') {
    // `claimed` for a single job the worker takes (oneJob's `v`): nothing left to announce.
    const [worker, lease] = [param(), param()];
    return {
      name,
      text: `WITH counter AS (${counter}), v AS (SELECT * FROM ${oneJob(shape)}),
      inserted AS (INSERT INTO jobs (${all})
      SELECT ${claimedJobValues(shape, 'counter.before + 1', 'true')}, ${claimValues('true', `${worker}::text`, `${lease}::bigint`)}
      FROM counter CROSS JOIN v ${INSERTED_RETURNING}), ${CREATED_EVENTS_ONE},
      -- The worker's standing claim, if any, counts it too (see STANDING_CLAIM).
      taken AS (UPDATE worker_waits w SET slots = w.slots - 1, handed = w.handed + 1 WHERE w.worker_id = ${worker}::text)
      SELECT before, NULL::text AS handed_to, NULL::uuid[] AS handed, NULL::bigint AS lease_ms FROM counter`,
    };
  }
  const now = param();
  const announce = param();
  if (mode === 'standing_one') {
    const isHanded = 'waiter.worker_id IS NOT NULL';
    return {
      name,
      text: `WITH counter AS (${counter}), v AS (SELECT * FROM ${oneJob(shape)}), ${STANDING_CLAIM_ONE(announce, now)},
    inserted AS (INSERT INTO jobs (${all})
      SELECT ${claimedJobValues(shape, 'counter.before + 1', isHanded)},
        ${claimValues(isHanded, 'waiter.worker_id', 'v.created_at + waiter.lease_ms')}
      FROM counter CROSS JOIN v LEFT JOIN waiter ON true ${INSERTED_RETURNING}), ${CREATED_EVENTS_ONE}
    SELECT before,
      CASE WHEN ${announce}::boolean AND waiter.worker_id IS NULL THEN pg_notify('${CHANNELS.jobs}', '') END AS announced,
      ${ANNOUNCE_CREATED(workspace)},
      CASE WHEN h.payload IS NOT NULL THEN pg_notify('${CHANNELS.handoff}', CASE WHEN octet_length(h.payload) < 7900
        THEN h.payload ELSE json_build_object('worker', waiter.worker_id, 'ids', json_build_array(v.id))::text END) END AS handed_over,
      waiter.worker_id AS handed_to, CASE WHEN ${isHanded} THEN ARRAY[v.id] END AS handed, waiter.lease_ms
    FROM counter CROSS JOIN v LEFT JOIN waiter ON true
      CROSS JOIN LATERAL (SELECT CASE WHEN ${isHanded} THEN ${HANDED_ONE} END AS payload) h`,
    };
  }
  const isClaimed = 'p.id IS NOT NULL';
  // Runnable jobs nobody took wake the workers of every process when the insert commits; those a
  // standing claim took are told to its worker alone.
  return {
    name,
    text: `WITH counter AS (${counter}), v AS MATERIALIZED (SELECT * FROM ${UNNEST_JOBS}), ${STANDING_CLAIM(announce, now)},
    inserted AS (INSERT INTO jobs (${all})
      SELECT ${claimedJobValues(shape, number, isClaimed)},
        ${claimValues(isClaimed, 'waiter.worker_id', 'v.created_at + waiter.lease_ms')}
      FROM counter CROSS JOIN v LEFT JOIN waiter ON true LEFT JOIN picked p ON p.id = v.id ${INSERTED_RETURNING}),
    ${CREATED_EVENTS}
    SELECT before, ${ANNOUNCE_CREATED(workspace)},
      CASE WHEN ${announce}::boolean AND (SELECT count(*) FROM v WHERE v.status_reason = 'queued') > COALESCE(h.n, 0)
        THEN pg_notify('${CHANNELS.jobs}', '') END AS announced,
      CASE WHEN h.payload IS NOT NULL THEN pg_notify('${CHANNELS.handoff}', CASE WHEN octet_length(h.payload) < 7900
        THEN h.payload ELSE json_build_object('worker', h.worker_id, 'ids', to_json(h.ids))::text END) END AS handed_over,
      h.worker_id AS handed_to, h.ids AS handed, h.lease_ms
    FROM counter LEFT JOIN handed h ON true`,
  };
}

/** numberedInsert's statements, by [project][mode][shape][uniform]. */
const NUMBERED_INSERTS = [false, true].map((project) =>
  MODES.map((mode) =>
    SHAPES.map((shape) => [false, true].map((uniform) => numberedInsert(project, mode, shape, uniform))),
  ),
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
): Promise<NumberedInsert | undefined> {
  const shape = shapeOf(jobs);
  const announce = jobs.some((j) => j.statusReason === 'queued' && claim?.ids.has(j.id) !== true);
  // A standing claim may take only runnable jobs, and none in the caller's transaction: its lock on the
  // worker's row would hold the worker's next claim until that commits.
  const mode: InsertMode =
    claim !== undefined
      ? jobs.length === 1 && claim.ids.has(jobs[0]!.id)
        ? 'claimed_one'
        : 'claimed'
      : trx === undefined && announce
        ? jobs.length === 1
          ? 'standing_one'
          : 'standing'
        : 'plain';
  const one = mode === 'standing_one' || mode === 'claimed_one';
  const { values, uniform } = one
    ? { values: oneJobValues(jobs[0]!, shape), uniform: false }
    : unnestValues(jobs, shape);
  values.push(jobs.length, workspaceId);
  if (projectId !== null) values.push(projectId);
  if (mode === 'claimed_one') values.push(claim!.workerId, claim!.leaseExpiresAt);
  else if (claim !== undefined) values.push([...claim.ids], claim.workerId, claim.leaseExpiresAt);
  else if (mode !== 'plain') values.push(jobs[0]!.now);
  if (mode !== 'claimed_one') values.push(announce);
  const statement = NUMBERED_INSERTS[projectId === null ? 0 : 1]![MODES.indexOf(mode)]![shape]![uniform ? 1 : 0]!;
  const { rows } =
    trx === undefined
      ? await pool.query<InsertedRow>({ ...statement, values })
      : await trx.executeQuery<InsertedRow>(CompiledQuery.raw(statement.text, values));
  const row = rows[0];
  if (row === undefined) return undefined;
  const first = Number(row.before) + 1;
  if (row.handed_to === null || row.handed === null) return { first };
  const handedOver = {
    workerId: row.handed_to,
    leaseExpiresAt: jobs[0]!.now + Number(row.lease_ms),
    ids: new Set(row.handed),
  };
  return { first, handedOver };
}

interface InsertedRow {
  before: string | number;
  handed_to: string | null;
  handed: string[] | null;
  lease_ms: string | number | null;
}
