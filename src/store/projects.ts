import type { Selectable } from 'kysely';
import type { ProjectState } from '../core/people.js';
import type { Project } from '../core/project.js';
import { parseJson, type ProjectsTable } from './schema.js';
import type { Executor } from './store.js';

export function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    number: row.number,
    name: row.name,
    description: row.description,
    workflowSteps: parseJson(row.workflow_steps) as string[],
    sourceLanguage: row.source_language,
    targetLanguages: parseJson(row.target_languages) as string[],
    state: row.state as ProjectState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export async function insertProject(
  db: Executor,
  p: {
    id: string;
    workspaceId: string;
    name: string;
    description: string | null;
    workflowSteps: string[];
    sourceLanguage?: string | null | undefined;
    targetLanguages?: string[] | undefined;
    now: number;
  },
): Promise<Project> {
  // The project number is the workspace's highest plus one, taken inside the caller's transaction.
  // Reading MAX alone lets concurrent creates pick the same number, and under load retries keep
  // colliding; so the workspace row is written first (a no-op change), which queues project creates of
  // one workspace behind each other on PostgreSQL and takes SQLite's write lock before the read. The
  // UNIQUE (workspace_id, number) constraint stays as the last line of defence.
  await db
    .updateTable('workspaces')
    .set((eb) => ({ job_counter: eb.ref('job_counter') }))
    .where('id', '=', p.workspaceId)
    .execute();
  const last = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.max<number>('number').as('n'))
    .where('workspace_id', '=', p.workspaceId)
    .executeTakeFirst();
  const row = await db
    .insertInto('projects')
    .values({
      id: p.id,
      workspace_id: p.workspaceId,
      number: Number(last?.n ?? 0) + 1,
      name: p.name,
      description: p.description,
      workflow_steps: JSON.stringify(p.workflowSteps),
      source_language: p.sourceLanguage ?? null,
      target_languages: JSON.stringify(p.targetLanguages ?? []),
      created_at: p.now,
      updated_at: p.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProject(row);
}

export async function findProject(db: Executor, workspaceId: string, id: string): Promise<Project | undefined> {
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : toProject(row);
}

export async function listProjectsAfter(
  db: Executor,
  workspaceId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<{ projects: Project[]; more: boolean }> {
  let q = db.selectFrom('projects').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { projects: rows.slice(0, limit).map(toProject), more: rows.length > limit };
}

export async function listProjectsPage(
  db: Executor,
  workspaceId: string,
  offset: number,
  limit: number,
): Promise<{ projects: Project[]; total: number }> {
  const base = db.selectFrom('projects').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { projects: rows.map(toProject), total: Number(count.n) };
}

/** Updates the given fields if the project is still at `expectedVersion` (when given). */
export async function updateProject(
  db: Executor,
  workspaceId: string,
  id: string,
  change: { name?: string; description?: string | null; workflowSteps?: string[]; now: number },
  expectedVersion?: number,
): Promise<Project | undefined> {
  let q = db
    .updateTable('projects')
    .set((eb) => ({
      updated_at: change.now,
      version: eb('version', '+', 1),
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.workflowSteps !== undefined ? { workflow_steps: JSON.stringify(change.workflowSteps) } : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null);
  if (expectedVersion !== undefined) q = q.where('version', '=', expectedVersion);
  const row = await q.returningAll().executeTakeFirst();
  return row === undefined ? undefined : toProject(row);
}

/**
 * Deletes a prepared project and its jobs, inside the caller's transaction. Marking the row first
 * locks it, so a job insert into the project waits and then finds no project. Jobs go only while none
 * of them has work under way (a machine job running or cancelling, a people job no longer pending);
 * otherwise `busy` is returned and the caller rolls the transaction back.
 */
export async function deletePreparedProject(
  db: Executor,
  workspaceId: string,
  id: string,
  now: number,
): Promise<'deleted' | 'not_found' | 'not_prepared' | 'busy'> {
  const marked = await db
    .updateTable('projects')
    .set((eb) => ({ deleted_at: now, updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('state', '=', 'prepared')
    .executeTakeFirst();
  if (marked.numUpdatedRows === 0n)
    return (await findProject(db, workspaceId, id)) === undefined ? 'not_found' : 'not_prepared';
  await db
    .deleteFrom('jobs')
    .where('workspace_id', '=', workspaceId)
    .where('project_id', '=', id)
    .where('status', 'not in', ['running', 'cancelling'])
    .where((eb) => eb.or([eb('executor', '!=', 'people'), eb('status', '=', 'pending')]))
    .execute();
  const left = await db
    .selectFrom('jobs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('project_id', '=', id)
    .limit(1)
    .executeTakeFirst();
  return left === undefined ? 'deleted' : 'busy';
}
