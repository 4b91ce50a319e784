import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { listProjectJobsPage } from '../../store/people-views.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { sendTextKing, textkingPage } from './representation.js';

// GET /project/{id}/line-items (api.json GetProjectLineItems; the PHP client's LineItem: id,
// description, currency, value): what the project's net price is made of, one item per active job
// that has a price. Jobline invoices nothing, so there are no other items (discounts, coupons).

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
// A TextKing project is an order of a few documents; its jobs are read at once, as for its price.
const PROJECT_JOBS_LIMIT = 10_000;

export interface LineItemHelpers {
  base(request: FastifyRequest): string;
  projectOf(request: FastifyRequest, id: string): Promise<Project>;
  pageOf(request: FastifyRequest): { page: number; perPage: number };
}

export function textkingLineItemRoutes(scope: FastifyInstance, services: Services, helpers: LineItemHelpers): void {
  scope.get('/project/:projectId/line-items', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const project = await helpers.projectOf(request, (request.params as { projectId: string }).projectId);
    const { page, perPage } = helpers.pageOf(request);
    const { jobs } = await listProjectJobsPage(
      services.store.db,
      { workspaceId: project.workspaceId, projectId: project.id, executor: 'people' },
      0,
      PROJECT_JOBS_LIMIT,
    );
    const items = jobs.flatMap((job) => {
      const input = (job.input ?? {}) as Record<string, unknown>;
      if (input.is_active === false || typeof input.net_price !== 'number' || typeof input.currency !== 'string')
        return [];
      return [{ id: job.id, description: job.name ?? '', currency: input.currency, value: input.net_price }];
    });
    const body = textkingPage(
      `${helpers.base(request)}/project/${project.id}/line-items`,
      page,
      perPage,
      items.length,
      items.slice((page - 1) * perPage, page * perPage),
    );
    return sendTextKing(request, reply, body, { root: 'line_items', itemName: 'line_item' });
  });
}
