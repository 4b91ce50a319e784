import type { Principal } from '../../core/auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import { getProject } from '../../services/projects.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';

// What every Phrase route reads the same way: auth and scopes, ids in the path, paging parameters.

/** Both of Phrase's schemes: `ApiToken <token>` (its documented header) and `Bearer <token>`. */
export const PHRASE_READ = { ...VENDOR_ROUTE, scope: 'jobs:read', authSchemes: ['ApiToken'] } as const;
export const PHRASE_WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write', authSchemes: ['ApiToken'] } as const;

/** 400 InvalidArguments, with `args` naming what is wrong. */
export const invalid = (message: string, args: Record<string, unknown> = {}) =>
  new AppError('bad_request', message, { extra: { phraseArgs: args } });

export async function projectOf(services: Services, principal: Principal, uid: string): Promise<Project> {
  // Every project uid is a UUID; anything else names no project (and must not reach PostgreSQL's uuid column).
  if (!isUuid(uid)) throw notFound('project', uid);
  return getProject(services, principal, uid.toLowerCase());
}

/** A job part: a people job of the project. Machine jobs (imports, pre-translations) are async requests. */
export async function partOf(services: Services, principal: Principal, project: Project, uid: string): Promise<Job> {
  if (!isUuid(uid)) throw notFound('job', uid);
  const job = await getJob(services, principal, uid.toLowerCase()).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'gone') throw notFound('job', uid);
    throw error;
  });
  if (job.executor !== 'people' || job.projectId !== project.id) throw notFound('job', uid);
  return job;
}

/** The first value of a query parameter (Phrase's are single unless documented as lists). */
export function first(query: Record<string, unknown>, name: string): unknown {
  return Array.isArray(query[name]) ? (query[name] as unknown[])[0] : query[name];
}

export function integer(
  query: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalid(`${name} must be a whole number from ${min} to ${max}.`, { [name]: raw });
  return n;
}

/** `{"jobs": [{"uid": "…"}]}`, the reference list of Phrase's batch bodies: the uids, each once. */
export function jobUids(body: unknown, max: number): string[] {
  const refs = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).jobs : undefined;
  if (!Array.isArray(refs) || refs.length < 1 || refs.length > max)
    throw invalid(`jobs must list 1 to ${max} jobs as [{"uid": "…"}].`, { jobs: refs ?? null });
  const uids = refs.map((r: unknown, i) => {
    const uid = r !== null && typeof r === 'object' ? (r as Record<string, unknown>).uid : undefined;
    if (typeof uid !== 'string' || uid === '') throw invalid(`jobs[${i}].uid is required.`);
    return uid;
  });
  return [...new Set(uids)];
}
