import type { Principal } from '../core/auth.js';
import type { Job } from '../core/job.js';
import type { JobStatus } from '../core/lifecycle.js';
import { jobFor } from '../core/provider-view.js';
import { listJobsAfter, listJobsByUpdate, listJobsPage, type JobOrder } from '../store/jobs.js';
import type { Services } from './context.js';

// Listing a workspace's jobs, as the principal asking may see them: by page token or by page number.

export interface ListFilter {
  projectId?: string | undefined;
  statuses?: JobStatus[] | undefined;
  type?: string | undefined;
  nameContains?: string | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
}

/** The filter with the principal's scope: its workspace, and for a provider's token its jobs alone. */
function scoped(principal: Principal, filter: ListFilter) {
  return {
    ...filter,
    workspaceId: principal.workspaceId,
    ...(principal.providerId !== undefined ? { providerId: principal.providerId } : {}),
  };
}

export async function listJobs(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { pageSize: number; pageToken?: string | undefined; order?: JobOrder | undefined },
): Promise<{ jobs: Job[]; nextPageToken: string | undefined }> {
  const full = scoped(principal, filter);
  const order = page.order ?? 'created_at';
  // A token is bound to its order too: a position in one order means nothing in the other.
  const scope = order === 'created_at' ? full : { ...full, order };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  if (order === 'updated_at') {
    const [updatedAt, id] = after === undefined ? [] : after.split('/');
    const result = await listJobsByUpdate(
      services.store.db,
      full,
      after === undefined ? undefined : { updatedAt: Number(updatedAt), id: id! },
      page.pageSize,
    );
    const last = result.jobs.at(-1);
    return {
      jobs: result.jobs.map((j) => jobFor(j, principal.providerId)),
      nextPageToken:
        result.more && last !== undefined
          ? services.pageTokens.encode(`${last.updatedAt}/${last.id}`, scope)
          : undefined,
    };
  }
  const result = await listJobsAfter(services.store.db, full, after, page.pageSize);
  const last = result.jobs.at(-1);
  return {
    jobs: result.jobs.map((j) => jobFor(j, principal.providerId)),
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function listJobsByPage(
  services: Services,
  principal: Principal,
  filter: ListFilter,
  page: { page: number; perPage: number; order?: JobOrder | undefined },
): Promise<{ jobs: Job[]; total: number }> {
  const result = await listJobsPage(
    services.store.db,
    scoped(principal, filter),
    (page.page - 1) * page.perPage,
    page.perPage,
    page.order,
  );
  return { ...result, jobs: result.jobs.map((j) => jobFor(j, principal.providerId)) };
}
