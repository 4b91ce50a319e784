import type { FastifyInstance } from 'fastify';
import { createJob } from '../../services/job-creation.js';
import { deletePeopleJob, editPeopleJob } from '../../services/people-edits.js';
import { listProjectJobsPage } from '../../store/people-views.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import type { TextKingContext } from './context.js';
import { jobFields } from './job-fields.js';
import { sendTextKing, textkingJob, textkingPage } from './representation.js';
import { bodyOf, pageOf, requirePrepared } from './request-input.js';

// A project's jobs (api.json: GetJobs, CreateJob, GetJob, UpdateJob, DeleteJob): its people jobs, one
// document into one target language each.

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;

type JobParams = { projectId: string; jobId: string };

export function textkingJobRoutes(scope: FastifyInstance, tk: TextKingContext): void {
  const { services } = tk;

  scope.get('/project/:projectId/jobs', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const project = await tk.projectOf(request, (request.params as { projectId: string }).projectId);
    const { page, perPage } = pageOf(request);
    const result = await listProjectJobsPage(
      services.store.db,
      { workspaceId: project.workspaceId, projectId: project.id, executor: 'people' },
      (page - 1) * perPage,
      perPage,
    );
    const items = result.jobs.map((job) => textkingJob(tk.base(request), job, project));
    const self = `${tk.base(request)}/project/${project.id}/jobs`;
    return sendTextKing(request, reply, textkingPage(self, page, perPage, result.total, items), {
      root: 'jobs',
      itemName: 'job',
    });
  });

  scope.post('/project/:projectId/jobs', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const project = await tk.projectOf(request, (request.params as { projectId: string }).projectId);
    requirePrepared(project, 'jobs can be added');
    const fields = jobFields(bodyOf(request), true);
    const job = await createJob(services, tk.principalOf(request), {
      type: 'translation',
      name: fields.name,
      projectId: project.id,
      input: {
        source_language: fields.source_language,
        target_language: fields.target_language,
        quality: fields.quality,
        ...(fields.topic != null ? { topic: fields.topic } : {}),
        briefing: fields.briefing ?? null,
        is_active: fields.is_active ?? true,
      },
      people: {
        providers: [],
        dueAt: null,
        referenceId: null,
        workflowLevel: null,
        continuous: false,
        importJobId: null,
        sourceUpdatedAt: null,
        targetUpdatedAt: null,
        continuousUpdatedAt: null,
        statusReason: 'new',
      },
    });
    const location = `${tk.base(request)}/project/${project.id}/job/${job.id}`;
    return sendTextKing(request, tk.created(reply, location), textkingJob(tk.base(request), job, project), {
      root: 'job',
    });
  });

  scope.get('/project/:projectId/job/:jobId', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as JobParams;
    const project = await tk.projectOf(request, projectId);
    const job = await tk.jobOf(request, project, jobId);
    return sendTextKing(request, reply, textkingJob(tk.base(request), job, project), { root: 'job' });
  });

  scope.put('/project/:projectId/job/:jobId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as JobParams;
    const project = await tk.projectOf(request, projectId);
    const job = await tk.jobOf(request, project, jobId);
    requirePrepared(project, 'its jobs can be changed');
    const { name, ...input } = jobFields(bodyOf(request), false);
    const updated = await editPeopleJob(services, tk.principalOf(request), job.id, {
      ...(name !== undefined ? { name } : {}),
      input,
    });
    return sendTextKing(request, reply, textkingJob(tk.base(request), updated, project), { root: 'job' });
  });

  scope.delete('/project/:projectId/job/:jobId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as JobParams;
    const project = await tk.projectOf(request, projectId);
    const job = await tk.jobOf(request, project, jobId);
    requirePrepared(project, 'its jobs can be removed');
    await deletePeopleJob(services, tk.principalOf(request), job.id);
    return reply.code(204).send();
  });
}
