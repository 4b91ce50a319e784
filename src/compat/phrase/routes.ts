import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { getJob, createJob } from '../../services/jobs.js';
import { actOnJob } from '../../services/people.js';
import { getProject } from '../../services/projects.js';
import { listProjectJobsPage, findJobsById } from '../../store/people-views.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { asyncRequest, asyncRequestReference } from './async-request.js';
import { createPhraseJobs } from './create-job.js';
import { importStatus, jobPartExtended, jobPartReference, partContexts } from './job-part.js';
import { actionsFor, parsePhraseStatus, PHRASE_STATUS_CONDITIONS, phraseStatus, type PhraseStatus } from './status.js';

// Phrase's page size is at most 50 ("The maximum page size is 50", API Technology TMS); pageNumber is
// zero-based. List jobs (v2) defaults to the first workflow step (workflowLevel=1), as Phrase does.
const MAX_PAGE_SIZE = 50;

/** Both of Phrase's schemes: `ApiToken <token>` (its documented header) and `Bearer <token>`. */
export const PHRASE_READ = { ...VENDOR_ROUTE, scope: 'jobs:read', authSchemes: ['ApiToken'] } as const;
export const PHRASE_WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write', authSchemes: ['ApiToken'] } as const;

const invalid = (message: string, args: Record<string, unknown> = {}) =>
  new AppError('bad_request', message, { extra: { phraseArgs: args } });

export async function projectOf(services: Services, principal: Principal, uid: string): Promise<Project> {
  // Every project uid is a UUID; anything else names no project (and must not reach PostgreSQL's uuid column).
  if (!isUuid(uid)) throw notFound('project', uid);
  return getProject(services, principal, uid.toLowerCase());
}

/** A job part: a people job of the project. Machine jobs (imports, pre-translations) are async requests. */
async function partOf(services: Services, principal: Principal, project: Project, uid: string): Promise<Job> {
  if (!isUuid(uid)) throw notFound('job', uid);
  const job = await getJob(services, principal, uid.toLowerCase()).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'gone') throw notFound('job', uid);
    throw error;
  });
  if (job.executor !== 'people' || job.projectId !== project.id) throw notFound('job', uid);
  return job;
}

function integer(query: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = Array.isArray(query[name]) ? (query[name] as unknown[])[0] : query[name];
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalid(`${name} must be a whole number from ${min} to ${max}.`, { [name]: raw });
  return n;
}

function statuses(query: Record<string, unknown>): PhraseStatus[] {
  const raw = query.status;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => String(v).split(','))
    .filter((v) => v !== '');
  return values.map((v) => {
    const status = parsePhraseStatus(v);
    if (status === undefined)
      throw invalid(`status ${JSON.stringify(v)} is not one of ${Object.keys(PHRASE_STATUS_CONDITIONS).join(', ')}.`, {
        status: v,
      });
    return status;
  });
}

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
    const workflowLevel = integer(query, 'workflowLevel', 1, 1, 15);
    const filter = statuses(query);
    const result = await listProjectJobsPage(
      services.store.db,
      {
        workspaceId: project.workspaceId,
        projectId: project.id,
        executor: 'people',
        workflowLevel,
        conditions: filter.map((s) => PHRASE_STATUS_CONDITIONS[s]),
      },
      pageNumber * pageSize,
      pageSize,
    );
    const contexts = await partContexts(services, project, result.jobs);
    const content = result.jobs.map((job) => jobPartReference(job, contexts.get(job.id)!));
    return {
      totalElements: result.total,
      totalPages: Math.ceil(result.total / pageSize),
      pageSize,
      pageNumber,
      numberOfElements: content.length,
      content,
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
          asyncRequest: asyncRequestReference(result.importJob),
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
      const requested = parsePhraseStatus(body.requestedStatus);
      if (requested === undefined)
        throw invalid(`requestedStatus must be one of ${Object.keys(PHRASE_STATUS_CONDITIONS).join(', ')}.`, {
          requestedStatus: body.requestedStatus ?? null,
        });
      const current = phraseStatus(job);
      const actions = actionsFor(current, requested);
      if (actions === undefined) {
        throw new AppError('job_state_conflict', `The job's status cannot change from ${current} to ${requested}.`, {
          extra: { phraseArgs: { status: current, requestedStatus: requested } },
        });
      }
      for (const action of actions) {
        await actOnJob(services, principal, job.id, action).catch((error: unknown) => {
          // A race lost or a step the job is not ready for: say it in Phrase's terms.
          if (error instanceof AppError && error.code === 'job_state_conflict') {
            throw new AppError(
              'job_state_conflict',
              `The job's status cannot change from ${current} to ${requested}.`,
              { extra: { phraseArgs: { status: current, requestedStatus: requested } } },
            );
          }
          throw error;
        });
      }
      return reply.code(204).send();
    },
  );

  scope.post(
    '/api2/v3/projects/:projectUid/jobs/preTranslate',
    { config: PHRASE_WRITE, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const refs = body.jobs;
      if (!Array.isArray(refs) || refs.length < 1 || refs.length > 100)
        throw invalid('jobs must list 1 to 100 jobs as [{"uid": "…"}].', { jobs: refs ?? null });
      const uids = refs.map((r: unknown, i) => {
        const uid = r !== null && typeof r === 'object' ? (r as Record<string, unknown>).uid : undefined;
        if (typeof uid !== 'string' || uid === '') throw invalid(`jobs[${i}].uid is required.`);
        return uid;
      });
      const jobs = [];
      for (const uid of [...new Set(uids)]) jobs.push(await partOf(services, principal, project, uid));
      // "Every job must have importStatus.status == OK … Submitting a job before import completes returns 400 JOB_NOT_READY."
      const imports = new Map(
        (
          await findJobsById(
            services.store.db,
            principal.workspaceId,
            jobs.flatMap((j) => (j.people?.importJobId != null ? [j.people.importJobId] : [])),
          )
        ).map((j) => [j.id, j]),
      );
      const notReady = jobs.filter(
        (j) =>
          importStatus(j.people?.importJobId != null ? imports.get(j.people.importJobId) : undefined).status !== 'OK',
      );
      if (notReady.length > 0) {
        throw new AppError(
          'job_not_ready',
          `The import of job ${notReady.map((j) => j.id).join(', ')} has not finished successfully (importStatus is not OK); pre-translate it once it is.`,
          {
            extra: { phraseArgs: { jobs: notReady.map((j) => ({ uid: j.id })) } },
          },
        );
      }
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
    },
  );

  scope.get('/api2/v1/async/:asyncRequestId', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const { asyncRequestId } = request.params as { asyncRequestId: string };
    if (!isUuid(asyncRequestId)) throw notFound('async request', asyncRequestId);
    const job = await getJob(services, principalOf(request), asyncRequestId.toLowerCase()).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'gone') throw notFound('async request', asyncRequestId);
      throw error;
    });
    // People jobs are job parts, not requests.
    if (job.executor === 'people') throw notFound('async request', asyncRequestId);
    const project =
      job.projectId === null
        ? undefined
        : await getProject(services, principalOf(request), job.projectId).catch(() => undefined);
    return asyncRequest(job, project);
  });
}
