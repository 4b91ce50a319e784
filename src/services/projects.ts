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
