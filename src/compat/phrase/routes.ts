import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services/context.js';
import { createJob } from '../../services/job-creation.js';
import { listProjectJobsPage } from '../../store/people-views.js';
import { asyncRequest, asyncRequestReference } from './async-request.js';
import { phraseAsyncRoutes } from './async-routes.js';
import { createPhraseJobs } from './create-job.js';
import { requireImported } from './import-ready.js';
import { jobPartExtended, jobPartReference, partContexts } from './job-part.js';
import { listFilter, NOTHING, parseBoolean } from './list-filter.js';
import { integer, invalid, jobUids, partOf, PHRASE_READ, PHRASE_WRITE, projectOf } from './params.js';
import { phraseProjectRoutes } from './projects.js';
import { phraseJobRoutes } from './job-routes.js';
import { phraseSegmentRoutes } from './segments.js';
import { phraseUnservedRoutes } from './unserved.js';
import { phraseUpdateSourceRoutes } from './update-source.js';
import { phraseUpdateTargetRoutes } from './update-target.js';
import { changeStatus, requestedStatus } from './status-change.js';

// Phrase's page size is at most 50 ("The maximum page size is 50", API Technology TMS); pageNumber is
// zero-based. List jobs (v2) defaults to the first workflow step (workflowLevel=1), as Phrase does.
const MAX_PAGE_SIZE = 50;
export function phraseRoutes(scope: FastifyInstance, services: Services): void {
  const principalOf = (request: FastifyRequest) => request.principal!;

  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const { projectUid, jobUid } = request.params as { projectUid: string; jobUid: string };
      const project = await projectOf(services, principalOf(request), projectUid);
      const job = await partOf(services, principalOf(request), project, jobUid);
      const ctx = (await partContexts(services, project, [job])).get(job.id)!;
      return jobPartExtended(job, ctx);
    },
  );

  scope.get('/api2/v2/projects/:projectUid/jobs', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const project = await projectOf(
      services,
      principalOf(request),
      (request.params as { projectUid: string }).projectUid,
    );
    const pageNumber = integer(query, 'pageNumber', 0, 0, 1_000_000);
    const pageSize = integer(query, 'pageSize', MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const filter = listFilter(query, project, services.clock.now());
    const countOnly = parseBoolean(query, 'count');
    // An assignee that is not a Jobline provider id (Phrase's are numbers) is assigned nothing.
    const result =
      filter === NOTHING
        ? { jobs: [], total: 0 }
        : await listProjectJobsPage(services.store.db, filter, pageNumber * pageSize, countOnly ? 0 : pageSize);
    const contexts = await partContexts(services, project, result.jobs);
    const content = result.jobs.map((job) => jobPartReference(job, contexts.get(job.id)!));
    return {
      totalElements: result.total,
      totalPages: Math.ceil(result.total / pageSize),
      pageSize,
      pageNumber,
      numberOfElements: content.length,
      // count=true asks for the totals alone.
      ...(countOnly ? {} : { content }),
    };
  });

  // Create job: the file is the body (any media type), streamed to storage.
  void scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/api2/v1/projects/:projectUid/jobs',
      { config: PHRASE_WRITE, schema: { hide: true } },
      async (request, reply) => {
        const project = await projectOf(
          services,
          principalOf(request),
          (request.params as { projectUid: string }).projectUid,
        );
        const result = await createPhraseJobs(services, principalOf(request), project, request);
        const contexts = await partContexts(services, project, result.jobs);
        return reply.code(201).send({
          jobs: result.jobs.map((job) => jobPartReference(job, contexts.get(job.id)!)),
          unsupportedFiles: [],
          asyncRequest: asyncRequestReference(result.importJob, project),
        });
      },
    );
  });

  scope.post(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/setStatus',
    { config: PHRASE_WRITE, schema: { hide: true } },
    async (request, reply) => {
      const { projectUid, jobUid } = request.params as { projectUid: string; jobUid: string };
      const principal = principalOf(request);
      const project = await projectOf(services, principal, projectUid);
      const job = await partOf(services, principal, project, jobUid);
      const body = (request.body ?? {}) as Record<string, unknown>;
      await changeStatus(services, principal, job, requestedStatus(body.requestedStatus, 'requestedStatus'));
      return reply.code(204).send();
    },
  );

  // Pre-translate job: v1 and v2 (deprecated) take the same body as v3 and answer the same wrapper.
  const preTranslate = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = principalOf(request);
    const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const uids = jobUids(body, 100);
    if (body.callbackUrl !== undefined && body.callbackUrl !== null && typeof body.callbackUrl !== 'string')
      throw invalid('callbackUrl must be a URL.', { callbackUrl: body.callbackUrl });
    if (
      body.preTranslateSettings !== undefined &&
      (body.preTranslateSettings === null ||
        typeof body.preTranslateSettings !== 'object' ||
        Array.isArray(body.preTranslateSettings))
    )
      throw invalid('preTranslateSettings must be an object.');
    const jobs = [];
    for (const uid of uids) jobs.push(await partOf(services, principal, project, uid));
    await requireImported(services, principal.workspaceId, jobs, 'pre-translate it');
    const settings = (body.preTranslateSettings ?? {}) as Record<string, unknown>;
    const callbackUrl = typeof body.callbackUrl === 'string' ? body.callbackUrl : undefined;
    const job = await createJob(services, principal, {
      type: 'pre-translate',
      name: `Pre-translate ${jobs.length} job${jobs.length === 1 ? '' : 's'}`,
      projectId: project.id,
      input: {
        job_ids: jobs.map((j) => j.id),
        ...(settings.overwriteExistingTranslations === true ? { overwrite: true } : {}),
      },
      callbackUrl,
    });
    return reply.code(202).send({ asyncRequest: asyncRequest(job, project) });
  };
  for (const version of ['v1', 'v2', 'v3'])
    scope.post(
      `/api2/${version}/projects/:projectUid/jobs/preTranslate`,
      { config: PHRASE_WRITE, schema: { hide: true } },
      preTranslate,
    );

  phraseAsyncRoutes(scope, services);
  phraseProjectRoutes(scope, services);
  phraseJobRoutes(scope, services);
  phraseUpdateSourceRoutes(scope, services);
  phraseUpdateTargetRoutes(scope, services);
  phraseSegmentRoutes(scope, services);
  phraseUnservedRoutes(scope);
}
