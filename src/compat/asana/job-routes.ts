import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { toIso } from '../../core/clock.js';
import type { Job } from '../../core/job.js';
import { jobRepresentation } from '../../core/job-json.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { createJob } from '../../services/job-creation.js';
import { getJob } from '../../services/job-reads.js';
import { getProject } from '../../services/projects.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { asanaTask } from './export.js';
import { dataOf, gidOf, nameOf, unknownObject, badInput } from './input.js';
import { outputOptions, selectFields, serialize } from './options.js';

// Asana's job-producing operations beyond duplicating a project and exporting resources: duplicate a
// task, instantiate a project from a template and export a graph (asana_oas.yaml). Each answers 201
// with the job, as the others do.

const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;
const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;

/** A Jobline project as Asana's project (ProjectResponse's members Jobline has). */
function asanaProject(p: Project) {
  return {
    gid: p.id,
    resource_type: 'project',
    name: p.name,
    archived: p.state === 'finished' || p.state === 'cancelled',
    created_at: toIso(p.createdAt)!,
    modified_at: toIso(p.updatedAt)!,
    notes: p.description ?? '',
  };
}

type Created = (request: FastifyRequest, reply: FastifyReply, job: Job) => Promise<FastifyReply>;

/** `{data}` shaped by opt_fields and opt_pretty, as every Asana answer. */
function sendData(request: FastifyRequest, reply: FastifyReply, resource: Record<string, unknown>): FastifyReply {
  const options = outputOptions(request.query);
  const data = options.fields === undefined ? resource : selectFields(resource, options.fields);
  return reply
    .type('application/json; charset=utf-8')
    .serializer((body) => serialize(body, options))
    .send({ data });
}

export function asanaJobRoutes(scope: FastifyInstance, services: Services, created: Created): void {
  const project = async (request: FastifyRequest, gid: string) =>
    getProject(services, request.principal!, gid).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'not_found') throw unknownObject(gid);
      throw error;
    });

  // The objects jobs make, so that a client can open a job's new_task and new_project.
  scope.get('/tasks/:task_gid', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const gid = gidOf('task', (request.params as { task_gid: string }).task_gid);
    const job = await getJob(services, request.principal!, gid).catch((error: unknown) => {
      if (error instanceof AppError && (error.code === 'not_found' || error.code === 'gone')) throw unknownObject(gid);
      throw error;
    });
    return sendData(request, reply, asanaTask(jobRepresentation(job)));
  });

  scope.get('/projects/:project_gid', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const gid = gidOf('project', (request.params as { project_gid: string }).project_gid);
    return sendData(request, reply, asanaProject(await project(request, gid)));
  });

  // A task is a Jobline job; its copy is made by the built-in duplicate-job job and is the job's new_task.
  scope.post('/tasks/:task_gid/duplicate', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const gid = gidOf('task', (request.params as { task_gid: string }).task_gid);
    const data = dataOf(request.body);
    const name = nameOf(data, false);
    if (data.include !== undefined && typeof data.include !== 'string' && !Array.isArray(data.include))
      throw badInput('include: Value is not a comma-separated list');
    await getJob(services, request.principal!, gid).catch((error: unknown) => {
      if (error instanceof AppError && (error.code === 'not_found' || error.code === 'gone')) throw unknownObject(gid);
      throw error;
    });
    const job = await createJob(services, request.principal!, {
      type: 'duplicate-job',
      name: `Duplicate task ${gid}`,
      input: { job_id: gid, ...(name !== undefined ? { name } : {}) },
    });
    return created(request, reply, job);
  });

  // Jobline has no templates of its own: any project is one, and instantiating it copies it with its jobs.
  scope.post(
    '/project_templates/:project_template_gid/instantiateProject',
    { config: WRITE, schema: { hide: true } },
    async (request, reply) => {
      const gid = gidOf('project_template', (request.params as { project_template_gid: string }).project_template_gid);
      const data = dataOf(request.body);
      const name = nameOf(data, true)!;
      for (const field of ['requested_dates', 'requested_roles'])
        if (data[field] !== undefined && !Array.isArray(data[field])) throw badInput(`${field}: Value is not an array`);
      await project(request, gid);
      const job = await createJob(services, request.principal!, {
        type: 'duplicate-project',
        name: `Instantiate project template ${gid}`,
        input: { project_id: gid, name, include_jobs: true },
      });
      return created(request, reply, job);
    },
  );

  // A graph export starts from a parent: a project (its jobs), or the workspace as a team (all of them).
  scope.post('/exports/graph', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const data = dataOf(request.body);
    if (data.parent === undefined || data.parent === null || data.parent === '')
      throw badInput('parent: Missing input');
    if (typeof data.parent !== 'string') throw badInput('parent: Value is not a string');
    const parent = gidOf('parent', data.parent);
    const team = parent === request.principal!.workspaceId;
    if (!team) await project(request, parent);
    const job = await createJob(services, request.principal!, {
      type: 'export',
      name: 'Graph export',
      input: {
        project_id: team ? null : parent,
        presentation: { asana_graph: { parent, resource_type: team ? 'team' : 'project' } },
      },
    });
    return created(request, reply, job);
  });
}
