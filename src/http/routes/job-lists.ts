import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Job } from '../../core/job.js';
import { jobRepresentation } from '../../core/job-json.js';
import type { Services } from '../../services/context.js';
import { listJobs, listJobsByPage, type ListFilter } from '../../services/job-lists.js';
import { getProject } from '../../services/projects.js';
import type { App } from '../app.js';
import { notModified } from '../conditional.js';
import { offsetPage } from '../paging.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { JobList, ListJobsQuery } from '../schemas/job.js';
import { parseTime } from '../validation.js';

// Listing jobs, a workspace's or a project's, by page token or by page number.

/** A list's validator: the ids and versions of what it shows, plus its paging position. */
function listTag(jobs: Job[], extra: string): string {
  const hash = createHash('sha1');
  for (const j of jobs) hash.update(`${j.id}:${j.version};`);
  hash.update(extra);
  return `W/"${hash.digest('base64url').slice(0, 22)}"`;
}

export function jobListRoutes(app: App, services: Services): void {
  const list = async (
    request: FastifyRequest,
    reply: FastifyReply,
    q: typeof ListJobsQuery.static,
    projectId?: string,
  ) => {
    const filter: ListFilter = {
      projectId: projectId ?? q.project_id,
      statuses: q.status,
      type: q.type,
      nameContains: q.q,
      createdAfter: parseTime(q.created_after),
      createdBefore: parseTime(q.created_before),
    };
    const offset = offsetPage(q);
    if (offset !== undefined) {
      const { page, perPage } = offset;
      const result = await listJobsByPage(services, request.principal!, filter, {
        page,
        perPage,
        order: q.order_by,
      });
      if (notModified(request, reply, listTag(result.jobs, `${page}/${perPage}/${result.total}/${q.order_by ?? ''}`)))
        return reply.send();
      return { data: result.jobs.map(jobRepresentation), total: result.total, page, per_page: perPage };
    }
    const result = await listJobs(services, request.principal!, filter, {
      pageSize: q.page_size ?? 50,
      pageToken: q.page_token,
      order: q.order_by,
    });
    if (
      notModified(
        request,
        reply,
        listTag(result.jobs, `${q.page_token ?? ''}/${result.nextPageToken !== undefined}/${q.order_by ?? ''}`),
      )
    )
      return reply.send();
    return {
      data: result.jobs.map(jobRepresentation),
      ...(result.nextPageToken !== undefined ? { next_page_token: result.nextPageToken } : {}),
    };
  };

  app.get(
    '/v1/jobs',
    {
      config: { scope: 'jobs:read', xmlRoot: 'jobs', provider: true },
      schema: {
        tags: ['jobs'],
        summary: 'List jobs',
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses },
      },
    },
    (request, reply) => list(request, reply, request.query),
  );

  app.get(
    '/v1/projects/:id/jobs',
    {
      config: { scope: 'jobs:read', xmlRoot: 'jobs' },
      schema: {
        tags: ['jobs'],
        summary: "List a project's jobs",
        params: IdParams,
        querystring: ListJobsQuery,
        response: { 200: JobList, ...errorResponses },
      },
    },
    async (request, reply) => {
      await getProject(services, request.principal!, request.params.id); // 404 for another workspace's project
      return list(request, reply, request.query, request.params.id);
    },
  );
}
