import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import { getProject } from '../../services/projects.js';
import { findJobByNumber, listPendingMachineJobs } from '../../store/people-views.js';
import { asyncRequest, exportRequest, parseAsyncRequestId } from './async-request.js';
import { integer, PHRASE_READ } from './params.js';
import { parseBoolean } from './list-filter.js';

// Get asynchronous request and List pending requests. An async request is a machine job of the
// workspace, named by its number (Phrase's integer id) or, as before integer ids, by its UUID.

const MAX_PAGE_SIZE = 50;

/**
 * The job an async request id names: digits are its number, a UUID its id. A machine job is the
 * request; a job part's number names the export of its target file (`part`).
 */
export async function asyncJob(
  services: Services,
  principal: Principal,
  id: string,
): Promise<{ job: Job; part: boolean }> {
  let job: Job | undefined;
  const numbered = parseAsyncRequestId(id);
  if (numbered !== undefined) {
    job = await findJobByNumber(services.store.db, principal.workspaceId, numbered.projectNumber, numbered.number);
    if (job?.executor === 'people') return { job, part: true };
  } else if (isUuid(id)) {
    job = await getJob(services, principal, id.toLowerCase()).catch((error: unknown) => {
      if (error instanceof AppError && (error.code === 'gone' || error.code === 'not_found')) return undefined;
      throw error;
    });
  }
  // People jobs are job parts, not requests.
  if (job === undefined || job.executor === 'people') throw notFound('async request', id);
  return { job, part: false };
}

async function projectsOf(services: Services, principal: Principal, jobs: Job[]): Promise<Map<string, Project>> {
  const out = new Map<string, Project>();
  for (const id of new Set(jobs.flatMap((j) => (j.projectId === null ? [] : [j.projectId])))) {
    const project = await getProject(services, principal, id).catch(() => undefined);
    if (project !== undefined) out.set(id, project);
  }
  return out;
}

export function phraseAsyncRoutes(scope: FastifyInstance, services: Services): void {
  const principalOf = (request: FastifyRequest) => request.principal!;

  scope.get('/api2/v1/async/:asyncRequestId', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const { asyncRequestId } = request.params as { asyncRequestId: string };
    const { job, part } = await asyncJob(services, principalOf(request), asyncRequestId);
    const projects = await projectsOf(services, principalOf(request), [job]);
    const project = job.projectId === null ? undefined : projects.get(job.projectId);
    return part ? exportRequest(job, project, services.clock.now()) : asyncRequest(job, project);
  });

  // "Pending requests for organization instead of current user" (all): a workspace's requests are
  // its token users' alike, so both answers are the workspace's unfinished machine jobs.
  scope.get('/api2/v1/async', { config: PHRASE_READ, schema: { hide: true } }, async (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    parseBoolean(query, 'all');
    const pageNumber = integer(query, 'pageNumber', 0, 0, 1_000_000);
    const pageSize = integer(query, 'pageSize', MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const principal = principalOf(request);
    const result = await listPendingMachineJobs(
      services.store.db,
      principal.workspaceId,
      pageNumber * pageSize,
      pageSize,
    );
    const projects = await projectsOf(services, principal, result.jobs);
    return {
      totalElements: result.total,
      totalPages: Math.ceil(result.total / pageSize),
      pageSize,
      pageNumber,
      numberOfElements: result.jobs.length,
      content: result.jobs.map((job) =>
        asyncRequest(job, job.projectId === null ? undefined : projects.get(job.projectId)),
      ),
    };
  });
}
