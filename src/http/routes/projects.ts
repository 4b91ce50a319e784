import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import * as projectService from '../../services/projects.js';
import type { App } from '../app.js';
import { pagedList } from '../paging.js';
import { notModified, versionTag } from '../conditional.js';
import { projectRepresentation } from '../representations/project.js';
import { CursorQuery, IdParams, RepresentationQuery, errorResponses } from '../schemas/common.js';
import { CreateProjectBody, ProjectList, UpdateProjectBody } from '../schemas/project.js';

// Versions are PostgreSQL INTEGERs; a larger number can never be the current version.
const MAX_VERSION = 2 ** 31 - 1;

/**
 * `If-Match: W/"3"` (or "3") → 3; `*` → undefined (any current version will do, RFC 9110 §13.1.1).
 * Anything else is a 412 because it can never match.
 */
function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,10})"$/.exec(ifMatch.trim());
  const version = m === null ? NaN : Number(m[1]);
  if (!(version <= MAX_VERSION))
    throw new AppError('precondition_failed', 'If-Match must be an ETag returned by this API, such as W/"3".');
  return version;
}

export function projectRoutes(app: App, services: Services): void {
  app.post(
    '/v1/projects',
    {
      config: { scope: 'jobs:write', xmlRoot: 'project' },
      schema: {
        tags: ['projects'],
        summary: 'Create a project',
        body: CreateProjectBody,
        response: { 201: Type.Ref('Project'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const project = await projectService.createProject(services, request.principal!, {
        name: b.name,
        description: b.description,
        workflowSteps: b.workflow_steps,
      });
      reply.header('location', `/v1/projects/${project.id}`).header('etag', versionTag(project.version));
      return reply.code(201).send(projectRepresentation(project));
    },
  );

  app.get(
    '/v1/projects',
    {
      config: { scope: 'jobs:read', xmlRoot: 'projects' },
      schema: {
        tags: ['projects'],
        summary: 'List projects',
        querystring: Type.Object({ ...CursorQuery, ...RepresentationQuery }, { additionalProperties: false }),
        response: { 200: ProjectList, ...errorResponses },
      },
    },
    async (request) =>
      pagedList(
        request.query,
        async (page) => {
          const r = await projectService.listProjectsByPage(services, request.principal!, page);
          return { items: r.projects, total: r.total };
        },
        async (page) => {
          const r = await projectService.listProjects(services, request.principal!, page);
          return { items: r.projects, nextPageToken: r.nextPageToken };
        },
        projectRepresentation,
      ),
  );

  app.get(
    '/v1/projects/:id',
    {
      config: { scope: 'jobs:read', xmlRoot: 'project' },
      schema: {
        tags: ['projects'],
        summary: 'Get a project',
        params: IdParams,
        querystring: Type.Object(RepresentationQuery, { additionalProperties: false }),
        response: { 200: Type.Ref('Project'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const project = await projectService.getProject(services, request.principal!, request.params.id);
      if (notModified(request, reply, versionTag(project.version))) return reply.send();
      return projectRepresentation(project);
    },
  );

  app.patch(
    '/v1/projects/:id',
    {
      config: { scope: 'jobs:write', xmlRoot: 'project' },
      schema: {
        tags: ['projects'],
        summary: 'Update a project',
        description:
          'Send `If-Match` with the ETag you read to update only if nobody changed the project since (412 otherwise).',
        params: IdParams,
        body: UpdateProjectBody,
        response: { 200: Type.Ref('Project'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const version = expectedVersion(request.headers['if-match']);
      const change = { name: b.name, description: b.description, workflowSteps: b.workflow_steps };
      const project = await projectService.updateProject(
        services,
        request.principal!,
        request.params.id,
        change,
        version,
      );
      reply.header('etag', versionTag(project.version));
      return projectRepresentation(project);
    },
  );
}
