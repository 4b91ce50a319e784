import { sql } from 'kysely';
import { dialectOf } from './dialect/dialect.js';
import type { Job } from '../core/job.js';
import type { JobStatus, StatusReason } from '../core/lifecycle.js';
import type { ProjectState } from '../core/people.js';
import type { Project } from '../core/project.js';
import { toJob } from './jobs.js';
import { toProject } from './projects.js';
import type { Executor } from './store.js';

// Read queries behind the vendor views of people work (the Phrase and TextKing compatible APIs):
// lists of a project's people jobs filtered by status *and* reason (a vendor status such as Phrase's
// EMAILED is pending + offered), and what the jobs of one document and language share.

/** A vendor status as native statuses, optionally narrowed to some reasons or excluding some. */
export interface StatusCondition {
  statuses: readonly JobStatus[];
  reasons?: readonly StatusReason[] | undefined;
  notReasons?: readonly StatusReason[] | undefined;
}

export interface PeopleJobFilter {
  workspaceId: string;
  projectId: string;
  /** Any of these (an empty or absent list: every status). */
  conditions?: StatusCondition[] | undefined;
  /** Jobs without a workflow level count as level 1. */
  workflowLevel?: number | undefined;
  /** Only jobs of this executor; all jobs of the project when absent. */
  executor?: 'people' | 'worker' | undefined;
  /** Only jobs whose input names this target language (any letter case) or this file name. */
  targetLanguage?: string | undefined;
  filename?: string | undefined;
  /** Only jobs assigned to this provider of this type. */
  provider?: { id: string; type: 'user' | 'vendor' } | undefined;
  /** Only jobs due in [dueFrom, dueTo) (either bound optional). */
  dueFrom?: number | undefined;
  dueTo?: number | undefined;
}

function filtered(db: Executor, f: PeopleJobFilter) {
  let q = db
    .selectFrom('jobs')
    .where('workspace_id', '=', f.workspaceId)
    .where('project_id', '=', f.projectId)
    .where('expired_at', 'is', null);
  if (f.executor !== undefined) q = q.where('executor', '=', f.executor);
  if (f.workflowLevel !== undefined) {
    const level = f.workflowLevel;
    q = q.where((eb) =>
      level === 1
        ? eb.or([eb('workflow_level', 'is', null), eb('workflow_level', '=', 1)])
        : eb('workflow_level', '=', level),
    );
  }
  if (f.targetLanguage !== undefined)
    q = q.where(
      sql<boolean>`lower(${dialectOf(db).jsonMemberText('input', 'target_language')}) = ${f.targetLanguage.toLowerCase()}`,
    );
  if (f.filename !== undefined)
    q = q.where(sql<boolean>`${dialectOf(db).jsonMemberText('input', 'filename')} = ${f.filename}`);
  if (f.provider !== undefined) {
    const { id, type } = f.provider;
    q = q.where('id', 'in', (eb) =>
      eb
        .selectFrom('job_providers as jp')
        .innerJoin('providers as pv', 'pv.id', 'jp.provider_id')
        .select('jp.job_id')
        .where('jp.provider_id', '=', id)
        .where('pv.type', '=', type),
    );
  }
  if (f.dueFrom !== undefined) q = q.where('due_at', '>=', f.dueFrom);
  if (f.dueTo !== undefined) q = q.where('due_at', '<', f.dueTo);
  const conditions = f.conditions ?? [];
  if (conditions.length > 0) {
    q = q.where((eb) =>
      eb.or(
        conditions.map((c) => {
          const parts = [eb('status', 'in', [...c.statuses])];
          if (c.reasons !== undefined) parts.push(eb('status_reason', 'in', [...c.reasons]));
          if (c.notReasons !== undefined)
            parts.push(eb.or([eb('status_reason', 'is', null), eb('status_reason', 'not in', [...c.notReasons])]));
          return eb.and(parts);
        }),
      ),
    );
  }
  return q;
}

/** A project's jobs, oldest first (vendor lists number them in creation order), with the total. */
export async function listProjectJobsPage(
  db: Executor,
  f: PeopleJobFilter,
  offset: number,
  limit: number,
): Promise<{ jobs: Job[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, f).selectAll().orderBy('id', 'asc').limit(limit).offset(offset).execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { jobs: rows.map(toJob), total: Number(count.n) };
}

export interface ReferenceInfo {
  /** The lowest job number among the reference's jobs: its first workflow step's. */
  firstNumber: number;
  /** The highest workflow level among them. */
  lastLevel: number;
}

/** Per reference_id (the jobs of one document and target language, one per workflow step). */
export async function referenceInfo(
  db: Executor,
  workspaceId: string,
  referenceIds: string[],
): Promise<Map<string, ReferenceInfo>> {
  const ids = [...new Set(referenceIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => [
      'reference_id',
      eb.fn.min<number>('number').as('first_number'),
      eb.fn.max<number>('workflow_level').as('last_level'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('reference_id', 'in', ids)
    .groupBy('reference_id')
    .execute();
  return new Map(
    rows.map((r) => [r.reference_id!, { firstNumber: Number(r.first_number), lastLevel: Number(r.last_level ?? 1) }]),
  );
}

/** Jobs by id within a workspace (any order). */
export async function findJobsById(db: Executor, workspaceId: string, ids: string[]): Promise<Job[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', unique)
    .execute();
  return rows.map(toJob);
}

/**
 * Translated segments of the workspace's succeeded jobs whose source text is one of `sources`: the
 * translation memory of the built-in pre-translation. Newest job first, so the latest translation wins.
 */
export async function translatedSegments(
  db: Executor,
  workspaceId: string,
  sources: string[],
  excludeJobIds: string[],
): Promise<{ jobId: string; jobInput: unknown; jobOutput: unknown; source: string; target: string }[]> {
  const unique = [...new Set(sources)];
  const found: { jobId: string; jobInput: unknown; jobOutput: unknown; source: string; target: string }[] = [];
  for (let i = 0; i < unique.length; i += 500) {
    let q = db
      .selectFrom('document_segments as s')
      .innerJoin('jobs as j', 'j.id', 's.job_id')
      .select(['s.job_id', 's.source', 's.target', 'j.input', 'j.output'])
      .where('j.workspace_id', '=', workspaceId)
      .where('j.status', '=', 'succeeded')
      .where('s.target', 'is not', null)
      .where('s.source', 'in', unique.slice(i, i + 500));
    if (excludeJobIds.length > 0) q = q.where('j.id', 'not in', excludeJobIds);
    const rows = await q.orderBy('j.id', 'desc').execute();
    found.push(
      ...rows.map((r) => ({
        jobId: r.job_id,
        jobInput: r.input,
        jobOutput: r.output,
        source: r.source,
        target: r.target!,
      })),
    );
  }
  return found;
}

/** A workspace's projects, oldest first, optionally in some states, with the total. */
export async function listProjectsInStates(
  db: Executor,
  workspaceId: string,
  states: readonly ProjectState[] | undefined,
  offset: number,
  limit: number,
): Promise<{ projects: Project[]; total: number }> {
  let base = db.selectFrom('projects').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  if (states !== undefined && states.length > 0) base = base.where('state', 'in', [...states]);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'asc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { projects: rows.map(toProject), total: Number(count.n) };
}

/**
 * The job numbered `number` in the workspace's project numbered `projectNumber`, or among its jobs
 * without a project when that is null (job numbers count per project); unless expired.
 */
export async function findJobByNumber(
  db: Executor,
  workspaceId: string,
  projectNumber: number | null,
  number: number,
): Promise<Job | undefined> {
  let q = db
    .selectFrom('jobs')
    .selectAll('jobs')
    .where('jobs.workspace_id', '=', workspaceId)
    .where('jobs.number', '=', number)
    .where('jobs.expired_at', 'is', null);
  q =
    projectNumber === null
      ? q.where('jobs.project_id', 'is', null)
      : q.where('jobs.project_id', '=', (eb) =>
          eb
            .selectFrom('projects')
            .select('projects.id')
            .where('projects.workspace_id', '=', workspaceId)
            .where('projects.number', '=', projectNumber),
        );
  const row = await q.executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}

/** Machine jobs not yet finished (Phrase's pending asynchronous requests), oldest first, with the total. */
export async function listPendingMachineJobs(
  db: Executor,
  workspaceId: string,
  offset: number,
  limit: number,
): Promise<{ jobs: Job[]; total: number }> {
  const base = db
    .selectFrom('jobs')
    .where('workspace_id', '=', workspaceId)
    .where('executor', '!=', 'people')
    .where('status', 'in', ['pending', 'running', 'cancelling'])
    .where('expired_at', 'is', null);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'asc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { jobs: rows.map(toJob), total: Number(count.n) };
}
