import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Project } from '../core/project.js';
import * as projects from '../store/projects.js';
import type { Services } from './context.js';

export interface ProjectInput {
  name: string;
  description?: string | null | undefined;
  workflowSteps?: string[] | undefined;
  sourceLanguage?: string | null | undefined;
  targetLanguages?: string[] | undefined;
}

export async function createProject(services: Services, principal: Principal, input: ProjectInput): Promise<Project> {
  const now = services.clock.now();
  // Two creates racing for the same project number: the UNIQUE constraint rejects one, which retries.
  for (let tries = 0; ; tries++) {
    try {
      return await services.store.transaction((trx) =>
        projects.insertProject(trx, {
          id: uuidv7(now),
          workspaceId: principal.workspaceId,
          name: input.name,
          description: input.description ?? null,
          workflowSteps: input.workflowSteps ?? [],
          sourceLanguage: input.sourceLanguage ?? null,
          targetLanguages: input.targetLanguages ?? [],
          now,
        }),
      );
    } catch (error) {
      if (tries >= 4 || !isUniqueViolation(error)) throw error;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export async function getProject(services: Services, principal: Principal, id: string): Promise<Project> {
  const project = await projects.findProject(services.store.db, principal.workspaceId, id);
  if (project === undefined) throw notFound('project', id);
  return project;
}

export async function listProjects(
  services: Services,
  principal: Principal,
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ projects: Project[]; nextPageToken: string | undefined }> {
  const scope = { projects: principal.workspaceId };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  const result = await projects.listProjectsAfter(services.store.db, principal.workspaceId, after, page.pageSize);
  const last = result.projects.at(-1);
  return {
    projects: result.projects,
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function listProjectsByPage(
  services: Services,
  principal: Principal,
  page: { page: number; perPage: number },
): Promise<{ projects: Project[]; total: number }> {
  return projects.listProjectsPage(
    services.store.db,
    principal.workspaceId,
    (page.page - 1) * page.perPage,
    page.perPage,
  );
}

export async function updateProject(
  services: Services,
  principal: Principal,
  id: string,
  change: Partial<ProjectInput>,
  expectedVersion?: number,
): Promise<Project> {
  const updated = await projects.updateProject(
    services.store.db,
    principal.workspaceId,
    id,
    {
      now: services.clock.now(),
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.workflowSteps !== undefined ? { workflowSteps: change.workflowSteps } : {}),
    },
    expectedVersion,
  );
  if (updated !== undefined) return updated;
  const current = await getProject(services, principal, id); // 404 when it does not exist
  throw new AppError(
    'precondition_failed',
    `The project is at version ${current.version}, not ${expectedVersion}; read it again and retry.`,
    {
      extra: { current_version: current.version },
    },
  );
}

/**
 * Deletes a project that has not started (TextKing's DELETE /project/{id}) with its jobs. A started
 * project keeps its jobs and history: cancel it instead. While one of its jobs has work under way (a
 * document import running, a job a provider took) it stays. Its number is never reused.
 */
export async function deleteProject(services: Services, principal: Principal, id: string): Promise<void> {
  if (principal.providerId !== undefined) throw new AppError('forbidden', "A provider's token cannot delete projects.");
  const now = services.clock.now();
  const outcome = await services.store
    .transaction(async (trx) => {
      const result = await projects.deletePreparedProject(trx, principal.workspaceId, id, now);
      // Rolls back the mark and any deletions: the project stays whole.
      if (result === 'busy') throw new ProjectBusy();
      return result;
    })
    .catch((error: unknown) => {
      if (error instanceof ProjectBusy) return 'busy' as const;
      throw error;
    });
  if (outcome === 'not_found') throw notFound('project', id);
  if (outcome === 'deleted') return;
  const project = await getProject(services, principal, id);
  throw new AppError(
    'project_state_conflict',
    outcome === 'busy'
      ? 'The project has work under way (a document import running or a job taken); it cannot be deleted now.'
      : `The project is ${project.state}; only a prepared project can be deleted (cancel it instead).`,
    { extra: { project_state: project.state } },
  );
}

class ProjectBusy extends Error {}
