import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unstorableValue } from '../../core/errors.js';
import { badText, unstorableJson } from '../../core/json.js';
import { LANGUAGE_PATTERN } from '../../core/people.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { createProject, listProjectsByPage } from '../../services/projects.js';
import { phraseDate } from './job-part.js';
import { integer, invalid, PHRASE_READ, PHRASE_WRITE, projectOf } from './params.js';

// Phrase TMS projects (Create project v3, Get project, List projects, Get workflow steps) are Jobline
// projects with a source language and target languages (migration 0029). The token's user manages the
// workspace's projects, so Get project answers the AbstractProjectDto of `userRole: ADMIN`.

const LANGUAGE = new RegExp(LANGUAGE_PATTERN);
const STEP = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_PAGE_SIZE = 50;

/** Jobline project state → Phrase project status (its enum has no "running": work is ASSIGNED). */
const STATUS: Record<string, string> = {
  prepared: 'NEW',
  running: 'ASSIGNED',
  finished: 'COMPLETED',
  cancelled: 'CANCELLED',
};

/** The steps a project's jobs are created in; Phrase calls the single step of a plain project translation. */
export function projectSteps(project: Project): string[] {
  return project.workflowSteps.length > 0 ? project.workflowSteps : ['translation'];
}

/** ProjectWorkflowStepDto: `id` is an integer in Phrase's schema, so it is the step's level. */
function workflowSteps(project: Project) {
  return project.workflowSteps.map((name, i) => ({
    id: i + 1,
    abbreviation: name.slice(0, 1).toUpperCase(),
    name,
    workflowLevel: i + 1,
    workflowStep: { id: name, name },
  }));
}

/** AbstractProjectDto (Get project, Create project, the items of List projects) as the project manager sees it. */
export function projectDto(project: Project) {
  return {
    uid: project.id,
    internalId: project.number,
    id: String(project.number),
    name: project.name,
    dateCreated: phraseDate(project.createdAt)!,
    ...(project.sourceLanguage != null ? { sourceLang: project.sourceLanguage } : {}),
    targetLangs: project.targetLanguages ?? [],
    references: [],
    userRole: 'ADMIN',
    shared: false,
    status: STATUS[project.state ?? 'prepared'] ?? 'NEW',
    ...(project.description !== null ? { note: project.description } : {}),
    workflowSteps: workflowSteps(project),
  };
}

function language(value: unknown, field: string): string {
  if (typeof value !== 'string' || !LANGUAGE.test(value))
    throw invalid(`${field} must be a language code such as "en" or "de_at".`, { [field]: value ?? null });
  return value;
}

/** CreateProjectV3Dto: name, sourceLang and targetLangs are required; workflowSteps are step names. */
export function parseCreateProject(body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid('Send the project as a JSON object: {"name", "sourceLang", "targetLangs"}.');
  const unstorable = unstorableJson(body, '#');
  if (unstorable !== undefined) throw unstorableValue(unstorable);
  const b = body as Record<string, unknown>;
  if (typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > 255)
    throw invalid('name is required: 1 to 255 characters.', { name: b.name ?? null });
  const bad = badText(b.name);
  if (bad !== undefined) throw invalid(`name ${bad}.`, { name: b.name });
  const sourceLang = language(b.sourceLang, 'sourceLang');
  if (!Array.isArray(b.targetLangs) || b.targetLangs.length === 0 || b.targetLangs.length > 100)
    throw invalid('targetLangs is required: 1 to 100 language codes, e.g. ["de", "fr"].', {
      targetLangs: b.targetLangs ?? null,
    });
  const targetLangs = [...new Set(b.targetLangs.map((l: unknown) => language(l, 'targetLangs')))];
  let steps: string[] = [];
  if (b.workflowSteps !== undefined && b.workflowSteps !== null) {
    if (!Array.isArray(b.workflowSteps) || b.workflowSteps.length > 10)
      throw invalid('workflowSteps must list at most 10 steps as [{"id": "translation"}].');
    steps = b.workflowSteps.map((s: unknown, i) => {
      const id = s !== null && typeof s === 'object' ? (s as Record<string, unknown>).id : undefined;
      const name = typeof id === 'string' ? id.toLowerCase() : '';
      // Jobline's steps are named (translation, revision…); Phrase's numeric step ids name nothing here.
      if (!STEP.test(name))
        throw invalid(`workflowSteps[${i}].id must name a step, e.g. "translation" or "revision".`, {
          id: id ?? null,
        });
      return name;
    });
    if (new Set(steps).size !== steps.length) throw invalid('workflowSteps lists a step twice.');
  }
  if (b.note !== undefined && b.note !== null && (typeof b.note !== 'string' || b.note.length > 4096))
    throw invalid('note must be text of at most 4096 characters.');
  return {
    name: b.name,
    sourceLanguage: sourceLang,
    targetLanguages: targetLangs,
    workflowSteps: steps,
    description: typeof b.note === 'string' ? b.note : null,
  };
}

export function phraseProjectRoutes(scope: FastifyInstance, services: Services): void {
  const principalOf = (request: FastifyRequest) => request.principal!;

  const create = async (request: FastifyRequest) =>
    projectDto(await createProject(services, principalOf(request), parseCreateProject(request.body)));
  // v3 is the current operation; v1 (createProject) takes the same members that matter here.
  for (const path of ['/api2/v3/projects', '/api2/v1/projects']) {
    scope.post(path, { config: PHRASE_WRITE, schema: { hide: true } }, async (request, reply) =>
      reply.code(201).send(await create(request)),
    );
  }

  scope.get('/api2/v1/projects/:projectUid', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const { projectUid } = request.params as { projectUid: string };
    return projectDto(await projectOf(services, principalOf(request), projectUid));
  });

  scope.get('/api2/v1/projects', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const pageNumber = integer(query, 'pageNumber', 0, 0, 1_000_000);
    const pageSize = integer(query, 'pageSize', MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const result = await listProjectsByPage(services, principalOf(request), {
      page: pageNumber + 1,
      perPage: pageSize,
    });
    return {
      totalElements: result.total,
      totalPages: Math.ceil(result.total / pageSize),
      pageSize,
      pageNumber,
      numberOfElements: result.projects.length,
      content: result.projects.map(projectDto),
    };
  });

  scope.get(
    '/api2/v2/projects/:projectUid/workflowSteps',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const { projectUid } = request.params as { projectUid: string };
      const project = await projectOf(services, principalOf(request), projectUid);
      return {
        projectWorkflowSteps: workflowSteps(project).map((s) => ({
          ...s,
          workflowStep: { uid: s.name, id: s.name, name: s.name, order: s.workflowLevel },
        })),
      };
    },
  );
}
