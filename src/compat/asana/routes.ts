import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { jobFiles } from '../../services/files.js';
import { createJob, getJob } from '../../services/jobs.js';
import { getProject } from '../../services/projects.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { asanaJob, DEFAULT_JOB_FIELDS } from './job.js';
import { outputOptions, selectFields, serialize } from './options.js';

const badInput = (message: string) => new AppError('bad_request', message);

/** Asana gids are opaque strings; Jobline's are UUIDs, and anything else is "Not a recognized ID". */
function gidOf(name: string, value: string): string {
  if (!isUuid(value)) throw badInput(`${name}: Not a recognized ID: ${value}`);
  return value.toLowerCase();
}

function unknownObject(gid: string): AppError {
  return new AppError('not_found', `Unknown object: ${gid}`);
}

/** The `data` member of an Asana request body, which must be an object. */
function dataOf(body: unknown): Record<string, unknown> {
  const data = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).data : undefined;
  if (data === undefined || data === null) throw badInput('data: Missing input');
  if (typeof data !== 'object' || Array.isArray(data)) throw badInput('data: Value is not an object');
  return data as Record<string, unknown>;
}

export function asanaRoutes(scope: FastifyInstance, services: Services, base: string): void {
  async function render(request: FastifyRequest, job: Job) {
    let downloadUrl: string | undefined;
    if (job.type === 'export' && job.status === 'succeeded') {
      const file = (await jobFiles(services, job.id)).find((f) => f.role === 'output');
      if (file !== undefined)
        downloadUrl = `${request.protocol}://${request.host}${services.downloads.sign(file.id, services.clock.now())}`;
    }
    return asanaJob(job, { downloadUrl });
  }

  /** `{data: job}` shaped by opt_fields and opt_pretty. */
  async function send(request: FastifyRequest, reply: FastifyReply, job: Job, status = 200): Promise<FastifyReply> {
    const options = outputOptions(request.query, request.body);
    const full = await render(request, job);
    // Without opt_fields the default members are sent whole; with it, only what was asked for.
    const data =
      options.fields === undefined
        ? Object.fromEntries(['gid', ...DEFAULT_JOB_FIELDS].map((f) => [f, full[f as keyof typeof full]]))
        : selectFields(full, options.fields);
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .serializer((body) => serialize(body, options))
      .send({ data });
  }

  async function created(request: FastifyRequest, reply: FastifyReply, job: Job): Promise<FastifyReply> {
    reply.header('location', `${base}/jobs/${job.id}`);
    return send(request, reply, job, 201);
  }

  scope.get(
    '/jobs/:job_gid',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:read' }, schema: { hide: true } },
    async (request, reply) => {
      const gid = gidOf('job_gid', (request.params as { job_gid: string }).job_gid);
      const job = await getJob(services, request.principal!, gid).catch((error: unknown) => {
        if (error instanceof AppError && (error.code === 'not_found' || error.code === 'gone'))
          throw unknownObject(gid);
        throw error;
      });
      return send(request, reply, job);
    },
  );

  // Duplicating a project is the built-in duplicate-project job; its copy appears as `new_project`. Asana
  // always copies a project's tasks (`include` picks further elements), so the jobs are always copied.
  scope.post(
    '/projects/:project_gid/duplicate',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:write' }, schema: { hide: true } },
    async (request, reply) => {
      const gid = gidOf('project', (request.params as { project_gid: string }).project_gid);
      const data = dataOf(request.body);
      if (data.name === undefined || data.name === null || data.name === '') throw badInput('name: Missing input');
      if (typeof data.name !== 'string' || data.name.length > 200)
        throw badInput('name: Value is not a string of at most 200 characters');
      const principal = request.principal!;
      await getProject(services, principal, gid).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'not_found') throw unknownObject(gid);
        throw error;
      });
      const job = await createJob(services, principal, {
        type: 'duplicate-project',
        name: `Duplicate project ${gid}`,
        input: { project_id: gid, name: data.name, include_jobs: true },
      });
      return created(request, reply, job);
    },
  );

  // A resource export is the built-in export job: Asana's tasks are Jobline's jobs, filtered by project.
  scope.post(
    '/exports/resource',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:write' }, schema: { hide: true } },
    async (request, reply) => {
      const data = dataOf(request.body);
      const parameters = data.export_request_parameters ?? [];
      if (!Array.isArray(parameters)) throw badInput('export_request_parameters: Value is not an array');
      if (parameters.length > 1)
        throw badInput(
          'export_request_parameters: Jobline exports one set of tasks (jobs) at a time; send at most one item',
        );
      const input: Record<string, unknown> = {};
      const parameter = (parameters[0] ?? {}) as Record<string, unknown>;
      if (parameter.resource_type !== undefined && parameter.resource_type !== 'task') {
        throw badInput(
          `export_request_parameters.resource_type: ${JSON.stringify(parameter.resource_type)} cannot be exported; Jobline exports tasks (its jobs)`,
        );
      }
      const filters = (parameter.filters ?? {}) as Record<string, unknown>;
      if (filters.project !== undefined) {
        const project = gidOf(
          'project',
          typeof filters.project === 'string' ? filters.project : JSON.stringify(filters.project),
        );
        await getProject(services, request.principal!, project).catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'not_found') throw unknownObject(project);
          throw error;
        });
        input.project_id = project;
      }
      const job = await createJob(services, request.principal!, { type: 'export', name: 'Resource export', input });
      return created(request, reply, job);
    },
  );
}
