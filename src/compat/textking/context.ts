import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/auth.js';
import { AppError, notFound } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import { getProject } from '../../services/projects.js';
import { listProjectJobsPage } from '../../store/people-views.js';
import { textkingProject } from './representation.js';
import { uuidOf } from './request-input.js';

// Every project's jobs in one read, for the project's price; TextKing projects are orders of a few documents.
const PROJECT_JOBS_LIMIT = 10_000;

/** What the TextKing route files share: the services, the links' base and the lookups by id. */
export interface TextKingContext {
  services: Services;
  /** Scheme, host and mount of this server's TextKing API, for absolute links. */
  base: (request: FastifyRequest) => string;
  principalOf: (request: FastifyRequest) => Principal;
  projectOf: (request: FastifyRequest, id: string) => Promise<Project>;
  /** A TextKing job: a people job of the project. */
  jobOf: (request: FastifyRequest, project: Project, id: string) => Promise<Job>;
  /** The project as TextKing shows it (its price is its active jobs'). */
  projectBody: (request: FastifyRequest, project: Project) => Promise<ReturnType<typeof textkingProject>>;
  /** `201` with `Location` and `Content-Location`, as TextKing's creates answer. */
  created: (reply: FastifyReply, location: string) => FastifyReply;
}

export function textkingContext(services: Services, mount: string): TextKingContext {
  const principalOf = (request: FastifyRequest): Principal => request.principal!;
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}${mount}/v1`;
  return {
    services,
    base,
    principalOf,
    projectOf: (request, id) => getProject(services, principalOf(request), uuidOf(id)),
    jobOf: async (request, project, id) => {
      const jobId = uuidOf(id);
      const job = await getJob(services, principalOf(request), jobId).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'gone') throw notFound('job', jobId);
        throw error;
      });
      if (job.executor !== 'people' || job.projectId !== project.id) throw notFound('job', jobId);
      return job;
    },
    projectBody: async (request, project) => {
      const { jobs } = await listProjectJobsPage(
        services.store.db,
        { workspaceId: project.workspaceId, projectId: project.id, executor: 'people' },
        0,
        PROJECT_JOBS_LIMIT,
      );
      return textkingProject(base(request), project, jobs);
    },
    created: (reply, location) => reply.code(201).header('location', location).header('content-location', location),
  };
}
