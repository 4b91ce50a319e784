import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { jobFiles } from '../../services/files.js';
import { createJob } from '../../services/job-creation.js';
import { getJob } from '../../services/job-reads.js';
import { getProject } from '../../services/projects.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { asanaJobRoutes } from './job-routes.js';
import { dataOf, gidOf, nameOf, unknownObject } from './input.js';
import { Readable } from 'node:stream';
import { findFileById } from '../../store/files.js';
import { findJob } from '../../store/jobs.js';
import {
  asanaExportStream,
  asanaGraphStream,
  commonProject,
  exportParameters,
  type ExportParameter,
  type GraphParent,
} from './export.js';
import { asanaJob, DEFAULT_JOB_FIELDS, isGraphExport } from './job.js';
import { outputOptions, selectFields, serialize } from './options.js';

// What an export's download link signs beside the file id, so that it opens this route only.
const EXPORT_LINK = 'asana-export/';

interface ExportPresentation {
  asana?: ExportParameter[];
  asana_graph?: GraphParent;
}

export function asanaRoutes(scope: FastifyInstance, services: Services, base: string): void {
  async function render(request: FastifyRequest, job: Job) {
    let downloadUrl: string | undefined;
    if (job.type === 'export' && job.status === 'succeeded') {
      const file = (await jobFiles(services, job.id)).find((f) => f.role === 'output');
      if (file !== undefined) {
        // Signed for the Asana route only: the native link would serve Jobline's records.
        const kind = isGraphExport(job) ? 'graph' : 'resource';
        const signed = services.downloads.sign(`${EXPORT_LINK}${kind}/${file.id}`, services.clock.now());
        downloadUrl = `${request.protocol}://${request.host}${base}/exports/${kind}/files/${file.id}${signed.slice(signed.indexOf('?'))}`;
      }
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
        ? Object.fromEntries(
            ['gid', ...DEFAULT_JOB_FIELDS].filter((f) => f in full).map((f) => [f, full[f as keyof typeof full]]),
          )
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
      const name = nameOf(data, true)!;
      const principal = request.principal!;
      await getProject(services, principal, gid).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'not_found') throw unknownObject(gid);
        throw error;
      });
      const job = await createJob(services, principal, {
        type: 'duplicate-project',
        name: `Duplicate project ${gid}`,
        input: { project_id: gid, name, include_jobs: true },
      });
      return created(request, reply, job);
    },
  );

  // A resource export is the built-in export job; its download is shaped as Asana's (export.ts).
  scope.post(
    '/exports/resource',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:write' }, schema: { hide: true } },
    async (request, reply) => {
      const data = dataOf(request.body);
      const parameters = exportParameters(data.export_request_parameters);
      for (const p of parameters) {
        const project = p.filters.project as string | undefined;
        if (project === undefined) continue;
        await getProject(services, request.principal!, project.toLowerCase()).catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'not_found') throw unknownObject(project);
          throw error;
        });
      }
      const job = await createJob(services, request.principal!, {
        type: 'export',
        name: 'Resource export',
        input: { project_id: commonProject(parameters), presentation: { asana: parameters } },
      });
      return created(request, reply, job);
    },
  );

  // The export's file as Asana's: a signed link like the native download, no token needed.
  for (const kind of ['resource', 'graph'] as const)
    scope.get(
      `/exports/${kind}/files/:file_id`,
      { config: VENDOR_ROUTE, schema: { hide: true } },
      async (request, reply) => {
        const { file_id: fileId } = request.params as { file_id: string };
        const query = (request.query ?? {}) as { expires?: string; signature?: string };
        const expires = Number(query.expires);
        if (
          !isUuid(fileId) ||
          typeof query.signature !== 'string' ||
          !services.downloads.verify(`${EXPORT_LINK}${kind}/${fileId}`, expires, query.signature, services.clock.now())
        )
          throw new AppError('forbidden', 'This download link is invalid or has expired; ask for the job again.');
        const file = await findFileById(services.store.db, fileId);
        const job = file?.job_id == null ? undefined : await findJob(services.store.db, file.workspace_id, file.job_id);
        if (file === undefined || job === undefined) throw unknownObject(fileId);
        const presentation = (job.input as { presentation?: ExportPresentation }).presentation ?? {};
        const source = Readable.from(services.files.read(file.id));
        const body =
          kind === 'graph'
            ? asanaGraphStream(source, presentation.asana_graph!)
            : asanaExportStream(
                source,
                presentation.asana ?? [{ resource_type: 'task', filters: {} }],
                file.workspace_id,
              );
        return reply
          .type('application/gzip')
          .header(
            'content-disposition',
            `attachment; filename=${kind}_export_${job.id}.json${kind === 'graph' ? '' : 'l'}.gz`,
          )
          .send(body);
      },
    );

  asanaJobRoutes(scope, services, created);
}
