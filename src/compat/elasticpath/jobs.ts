import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { jobFiles } from '../../services/files.js';
import { getJob } from '../../services/job-reads.js';
import { cancelJob } from '../../services/job-cancel.js';
import { countJobErrors, listJobErrors } from '../../store/job-results.js';
import { listJobsPage } from '../../store/jobs.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { PIM_JOB_TYPES, pimJob, pimJobError } from './pim-job.js';

/** The Jobline job types an Elastic Path client sees: those with a PXM job type. */
const PXM_SOURCE_TYPES = Object.keys(PIM_JOB_TYPES);

// Platform paging rules (Elastic Path "Pagination"): page[limit] defaults to 25 and is at most 100;
// page[offset] is zero-based with a soft limit of 10,000.
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
const MAX_OFFSET = 10_000;

interface Page {
  limit: number;
  offset: number;
}

function pageOf(request: FastifyRequest): Page {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new AppError('bad_request', `${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
  return {
    limit: number('page[limit]', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: number('page[offset]', 0, 0, MAX_OFFSET),
  };
}

/** `links` and `meta` of a page of `total` items, with absolute URLs (JSON:API §7.6). */
function pageEnvelope(url: string, page: Page, total: number) {
  // The brackets are percent-encoded: RFC 3986 allows them only around IPv6 hosts.
  const at = (offset: number) => `${url}?page%5Boffset%5D=${offset}&page%5Blimit%5D=${page.limit}`;
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / page.limit) * page.limit;
  return {
    // pim.yaml's multi_links, as it describes them from September 2026: `last` is left out on the final
    // page, `next` on the last and `prev` on the first; none is ever null.
    links: {
      current: at(page.offset),
      first: at(0),
      ...(page.offset < lastOffset ? { last: at(lastOffset) } : {}),
      ...(page.offset + page.limit < total ? { next: at(page.offset + page.limit) } : {}),
      ...(page.offset > 0 ? { prev: at(Math.max(0, page.offset - page.limit)) } : {}),
    },
    meta: {
      page: {
        limit: page.limit,
        offset: page.offset,
        current: Math.floor(page.offset / page.limit) + 1,
        total: Math.ceil(total / page.limit),
      },
      results: { total },
    },
  };
}

export function pcmJobRoutes(scope: FastifyInstance, services: Services, mount: string): void {
  const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  /** An export's output files as absolute signed URLs (product-export `file_locations`). */
  async function fileLocations(request: FastifyRequest, job: Job): Promise<string[] | undefined> {
    if (job.type !== 'export' || job.status !== 'succeeded') return undefined;
    const now = services.clock.now();
    return (await jobFiles(services, job.id))
      .filter((f) => f.role === 'output')
      .map((f) => `${origin(request)}${services.downloads.sign(f.id, now)}`);
  }
  const render = async (request: FastifyRequest, job: Job) =>
    pimJob(job, { requestId: request.id, fileLocations: await fileLocations(request, job) });

  const jobOf = async (request: FastifyRequest): Promise<Job> => {
    const { jobID } = request.params as { jobID: string };
    // Every job id is a UUID; anything else names no job (and must not reach PostgreSQL's uuid column).
    if (!isUuid(jobID)) throw notFound('job', jobID);
    const job = await getJob(services, request.principal!, jobID.toLowerCase()).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'gone') throw notFound('job', jobID);
      throw error;
    });
    // A job PXM has no type for is not a PXM job (docs/compat.md).
    if (!PXM_SOURCE_TYPES.includes(job.type)) throw notFound('job', jobID);
    return job;
  };

  scope.get('/jobs', { config: { ...VENDOR_ROUTE, scope: 'jobs:read' }, schema: { hide: true } }, async (request) => {
    const page = pageOf(request);
    // Offsets need not be multiples of the limit, so this pages by offset in the store directly.
    const result = await listJobsPage(
      services.store.db,
      { workspaceId: request.principal!.workspaceId, types: PXM_SOURCE_TYPES },
      page.offset,
      page.limit,
    );
    const data = await Promise.all(result.jobs.map((job) => render(request, job)));
    return { data, ...pageEnvelope(`${origin(request)}${mount}/pcm/jobs`, page, result.total) };
  });

  scope.get(
    '/jobs/:jobID',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:read' }, schema: { hide: true } },
    async (request) => ({
      data: await render(request, await jobOf(request)),
    }),
  );

  scope.post(
    '/jobs/:jobID/cancel',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:write' }, schema: { hide: true } },
    async (request) => {
      const job = await jobOf(request);
      return { data: await render(request, await cancelJob(services, request.principal!, job.id)) };
    },
  );

  scope.get(
    '/jobs/:jobID/errors',
    { config: { ...VENDOR_ROUTE, scope: 'jobs:read' }, schema: { hide: true } },
    async (request) => {
      const job = await jobOf(request);
      const page = pageOf(request);
      // A job that failed as a whole (a file without a header, say) reports that error first; the rows
      // of a bulk import that could not become jobs follow, in file order.
      const head = job.status === 'failed' && job.error !== null ? [pimJobError(job.id, 0, job.error.message)] : [];
      const first = head.slice(page.offset, page.offset + page.limit);
      const rows = await listJobErrors(
        services.store.db,
        job.id,
        Math.max(0, page.offset - head.length),
        page.limit - first.length,
      );
      const total = head.length + (await countJobErrors(services.store.db, job.id));
      const data = [...first, ...rows.map((r) => pimJobError(job.id, r.seq, r.message))];
      return { data, ...pageEnvelope(`${origin(request)}${mount}/pcm/jobs/${job.id}/errors`, page, total) };
    },
  );
}
