import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import type { Readable } from 'node:stream';
import type { Principal } from '../../core/auth.js';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import { LANGUAGE_PATTERN } from '../../core/people.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { cancelProject, startProject } from '../../services/documents.js';
import { getFile, jobFiles } from '../../services/files.js';
import { createJob } from '../../services/job-creation.js';
import { getJob } from '../../services/job-reads.js';
import { deletePeopleJob, editPeopleJob, updateSource } from '../../services/people-edits.js';
import { createProject, getProject, updateProject } from '../../services/projects.js';
import { sendFileContent, uploadedType } from '../../http/file-content.js';
import { detectFormat } from '../../jobs/documents/index.js';
import { findJobsById, listProjectJobsPage, listProjectsInStates } from '../../store/people-views.js';
import { storageFileName } from '../file-names.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { textkingCallbackRoutes } from './callback-routes.js';
import { textkingCatalogueRoutes } from './catalogue-routes.js';
import { textkingLineItemRoutes } from './line-item-routes.js';
import { parseProjectState, TEXTKING_PROJECT_STATES } from './states.js';
import { sendTextKing, textkingDisposition, textkingJob, textkingPage, textkingProject } from './representation.js';

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;
const QUALITIES = ['translation', 'translation-and-correction', 'basic'];
const LANGUAGE = new RegExp(LANGUAGE_PATTERN);
// Every project's jobs in one read, for the project's price; TextKing projects are orders of a few documents.
const PROJECT_JOBS_LIMIT = 10_000;

const badInput = (message: string) => new AppError('bad_request', message);

/** The document formats TextKing's wiki lists as accepted. */
const WIKI_FORMATS = new Set(['docx', 'doc', 'xlsx', 'xls', 'pptx', 'idml', 'rtf', 'odt', 'html', 'txt', 'xml']);
/** Those of them Jobline's document import does not read. */
const STORED_FORMATS = new Set(['doc', 'xlsx', 'xls', 'pptx', 'idml', 'rtf', 'odt', 'xml']);
const extensionOf = (name: string) => (/\.([A-Za-z0-9]+)$/.exec(name)?.[1] ?? '').toLowerCase();

/** "400 Bad Request: Either the job ID or the project ID is not a valid UUID." */
function uuidOf(value: string): string {
  if (!isUuid(value)) throw new AppError('invalid_id', 'Either the job ID or the project ID is not a valid UUID.');
  return value.toLowerCase();
}

function requirePrepared(project: Project, what: string): void {
  const state = project.state ?? 'prepared';
  if (state !== 'prepared') {
    throw new AppError(
      'project_state_conflict',
      `The project is ${TEXTKING_PROJECT_STATES[state]}; ${what} only while it is prepared.`,
      { extra: { project_state: state } },
    );
  }
}

function pageOf(request: FastifyRequest): { page: number; perPage: number } {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max)) throw badInput(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
  return { page: number('page', 1, 1, 1_000_000), perPage: number('per_page', 100, 1, 100) };
}

/** A JSON or XML request body as an object (an XML body's root element's children). */
function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badInput('The request body must be an object.');
  return body as Record<string, unknown>;
}

const DOCTYPE = /<!DOCTYPE/i;
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** XML values are text: `true`/`false` are booleans, an empty element is null. */
function fromXml(value: unknown): unknown {
  if (value === '') return null;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromXml(v)]));
  return value;
}

interface JobFields {
  name?: string | undefined;
  source_language?: string | undefined;
  target_language?: string | undefined;
  quality?: string | undefined;
  topic?: string | null | undefined;
  briefing?: string | null | undefined;
  is_active?: boolean | undefined;
}

/** The writable fields of a job (POST-Jobs, PUT-Job); `create` requires the four the wiki requires. */
function jobFields(body: Record<string, unknown>, create: boolean): JobFields {
  const out: JobFields = {};
  const text = (name: keyof JobFields, required: boolean, pattern?: RegExp, nullable = false) => {
    const value = body[name];
    if (value === undefined || (value === null && !nullable)) {
      if (required) throw badInput(`${name} is required.`);
      return;
    }
    if (
      value !== null &&
      (typeof value !== 'string' || value === '' || (pattern !== undefined && !pattern.test(value)))
    )
      throw badInput(`${name} is not valid: ${JSON.stringify(value)}.`);
    (out as Record<string, unknown>)[name] = value;
  };
  text('name', create);
  text('source_language', create, LANGUAGE);
  text('target_language', create, LANGUAGE);
  text('quality', create);
  if (out.quality !== undefined && !QUALITIES.includes(out.quality))
    throw badInput(`quality must be one of ${QUALITIES.join(', ')}.`);
  text('topic', false, undefined, true);
  text('briefing', false, undefined, true);
  // The PHP client sends `is_active: null` unless told otherwise; the wiki makes the field optional.
  if (body.is_active !== undefined && body.is_active !== null) {
    if (typeof body.is_active !== 'boolean') throw badInput('is_active must be true or false.');
    out.is_active = body.is_active;
  }
  return out;
}

export function textkingRoutes(scope: FastifyInstance, services: Services, mount: string): void {
  const base = (request: FastifyRequest) => `${request.protocol}://${request.host}${mount}/v1`;
  const principalOf = (request: FastifyRequest): Principal => request.principal!;

  scope.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) => {
    const text = body.toString();
    // fast-xml-parser expands the entities an internal DOCTYPE declares (a name `&a;` became its
    // expansion, and nested entities multiply); TextKing's bodies never need one, so none is read.
    if (DOCTYPE.test(text)) return done(badInput('XML bodies must not contain a DOCTYPE declaration.'), undefined);
    try {
      const parsed = xml.parse(text) as Record<string, unknown>;
      const root = Object.keys(parsed).find((k) => k !== '?xml');
      done(null, root === undefined ? {} : fromXml(parsed[root]));
    } catch {
      done(badInput('The XML body is not well-formed.'), undefined);
    }
  });

  const projectOf = async (request: FastifyRequest, id: string) =>
    getProject(services, principalOf(request), uuidOf(id));

  /** A TextKing job: a people job of the project. */
  async function jobOf(request: FastifyRequest, project: Project, id: string): Promise<Job> {
    const jobId = uuidOf(id);
    const job = await getJob(services, principalOf(request), jobId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'gone') throw notFound('job', jobId);
      throw error;
    });
    if (job.executor !== 'people' || job.projectId !== project.id) throw notFound('job', jobId);
    return job;
  }

  async function projectBody(request: FastifyRequest, project: Project) {
    const { jobs } = await listProjectJobsPage(
      services.store.db,
      { workspaceId: project.workspaceId, projectId: project.id, executor: 'people' },
      0,
      PROJECT_JOBS_LIMIT,
    );
    return textkingProject(base(request), project, jobs);
  }

  function created(reply: FastifyReply, location: string): FastifyReply {
    return reply.code(201).header('location', location).header('content-location', location);
  }

  // Projects ------------------------------------------------------------------------------------------

  scope.get('/projects', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { page, perPage } = pageOf(request);
    const raw = ((request.query ?? {}) as Record<string, unknown>).state;
    const states =
      raw === undefined
        ? undefined
        : (Array.isArray(raw) ? raw : [raw]).map((s) => {
            const state = s === 'canceled' ? 'cancelled' : s;
            if (!['prepared', 'running', 'finished', 'cancelled'].includes(String(state)))
              throw badInput(`state must be prepared, running, finished or canceled.`);
            return state as Project['state'] & string;
          });
    const result = await listProjectsInStates(
      services.store.db,
      principalOf(request).workspaceId,
      states,
      (page - 1) * perPage,
      perPage,
    );
    const items = await Promise.all(result.projects.map((p) => projectBody(request, p)));
    return sendTextKing(request, reply, textkingPage(`${base(request)}/projects`, page, perPage, result.total, items), {
      root: 'projects',
      itemName: 'project',
    });
  });

  scope.post('/projects', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const body = bodyOf(request);
    if (typeof body.name !== 'string' || body.name.trim() === '') throw badInput('name is required.');
    // A TextKing project's jobs are translations: one workflow step.
    const project = await createProject(services, principalOf(request), {
      name: body.name,
      workflowSteps: ['translation'],
    });
    return sendTextKing(
      request,
      created(reply, `${base(request)}/project/${project.id}`),
      await projectBody(request, project),
      { root: 'project' },
    );
  });

  scope.get('/project/:projectId', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const project = await projectOf(request, (request.params as { projectId: string }).projectId);
    return sendTextKing(request, reply, await projectBody(request, project), { root: 'project' });
  });

  // PUT /project/{id}: name, due_date… and `state` (prepared → running starts the work; canceled cancels it).
  scope.put('/project/:projectId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const principal = principalOf(request);
    let project = await projectOf(request, (request.params as { projectId: string }).projectId);
    const body = bodyOf(request);
    requirePrepared(project, 'it can be changed');
    // The PHP client sends every member of its Project model, null where the caller set nothing.
    const given = (value: unknown) => value !== undefined && value !== null;
    const state = given(body.state) ? parseProjectState(body.state) : undefined;
    if (given(body.state) && state === undefined) throw badInput('state must be prepared, running or canceled.');
    if (given(body.name)) {
      if (typeof body.name !== 'string' || body.name.trim() === '') throw badInput('name must be a non-empty string.');
      project = await updateProject(services, principal, project.id, { name: body.name });
    }
    if (state === 'running') project = await startProject(services, principal, project.id);
    if (state === 'cancelled') project = await cancelProject(services, principal, project.id);
    return sendTextKing(request, reply, await projectBody(request, project), { root: 'project' });
  });

  // Jobs ----------------------------------------------------------------------------------------------

  scope.get('/project/:projectId/jobs', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const project = await projectOf(request, (request.params as { projectId: string }).projectId);
    const { page, perPage } = pageOf(request);
    const result = await listProjectJobsPage(
      services.store.db,
      { workspaceId: project.workspaceId, projectId: project.id, executor: 'people' },
      (page - 1) * perPage,
      perPage,
    );
    const items = result.jobs.map((job) => textkingJob(base(request), job, project));
    return sendTextKing(
      request,
      reply,
      textkingPage(`${base(request)}/project/${project.id}/jobs`, page, perPage, result.total, items),
      { root: 'jobs', itemName: 'job' },
    );
  });

  scope.post('/project/:projectId/jobs', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const project = await projectOf(request, (request.params as { projectId: string }).projectId);
    requirePrepared(project, 'jobs can be added');
    const fields = jobFields(bodyOf(request), true);
    const job = await createJob(services, principalOf(request), {
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
    return sendTextKing(
      request,
      created(reply, `${base(request)}/project/${project.id}/job/${job.id}`),
      textkingJob(base(request), job, project),
      { root: 'job' },
    );
  });

  scope.get('/project/:projectId/job/:jobId', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as { projectId: string; jobId: string };
    const project = await projectOf(request, projectId);
    return sendTextKing(request, reply, textkingJob(base(request), await jobOf(request, project, jobId), project), {
      root: 'job',
    });
  });

  scope.put('/project/:projectId/job/:jobId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as { projectId: string; jobId: string };
    const project = await projectOf(request, projectId);
    const job = await jobOf(request, project, jobId);
    requirePrepared(project, 'its jobs can be changed');
    const { name, ...input } = jobFields(bodyOf(request), false);
    const updated = await editPeopleJob(services, principalOf(request), job.id, {
      ...(name !== undefined ? { name } : {}),
      input,
    });
    return sendTextKing(request, reply, textkingJob(base(request), updated, project), { root: 'job' });
  });

  scope.delete('/project/:projectId/job/:jobId', { config: WRITE, schema: { hide: true } }, async (request, reply) => {
    const { projectId, jobId } = request.params as { projectId: string; jobId: string };
    const project = await projectOf(request, projectId);
    const job = await jobOf(request, project, jobId);
    requirePrepared(project, 'its jobs can be removed');
    await deletePeopleJob(services, principalOf(request), job.id);
    return reply.code(204).send();
  });

  // Documents -----------------------------------------------------------------------------------------

  // The document is the body, in its own Content-Type; it becomes the job's source and is imported.
  void scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/project/:projectId/job/:jobId/document/:documentName',
      { config: WRITE, schema: { hide: true } },
      async (request, reply) => {
        const { projectId, jobId, documentName } = request.params as {
          projectId: string;
          jobId: string;
          documentName: string;
        };
        const project = await projectOf(request, projectId);
        const job = await jobOf(request, project, jobId);
        requirePrepared(project, 'documents can be uploaded');
        const contentType = uploadedType(request.headers['content-type']);
        // "406 Not Acceptable: the document type is not supported" — judged by its name and Content-Type.
        // The wiki's formats Jobline cannot segment are kept as the source and handed over as they are.
        const extension = extensionOf(documentName);
        const readable =
          !STORED_FORMATS.has(extension) && detectFormat(documentName, contentType, Buffer.alloc(0)) !== undefined;
        if (!readable && !WIKI_FORMATS.has(extension)) {
          throw new AppError(
            'unsupported_media_type',
            `${documentName} (${contentType}) is not a supported document type; send one of ${[...WIKI_FORMATS].join(', ')}.`,
          );
        }
        if (request.body === undefined || request.body === null)
          throw badInput('Send the document as the request body.');
        await updateSource(services, principalOf(request), job.id, {
          name: storageFileName(documentName),
          contentType,
          source: request.body as Readable,
          storeOnly: !readable,
        });
        return created(reply, `${base(request)}/project/${project.id}/job/${job.id}/document`).send();
      },
    );
  });

  scope.get(
    '/project/:projectId/job/:jobId/document',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { projectId, jobId } = request.params as { projectId: string; jobId: string };
      const project = await projectOf(request, projectId);
      const job = await jobOf(request, project, jobId);
      const importJobId = job.people?.importJobId ?? null;
      const [importJob] =
        importJobId === null ? [] : await findJobsById(services.store.db, job.workspaceId, [importJobId]);
      const fileId = (importJob?.input as { file_id?: string } | undefined)?.file_id;
      if (fileId === undefined) throw new AppError('not_found', 'The job has no document yet.');
      const file = await getFile(services, principalOf(request), fileId);
      reply.header('last-modified', new Date(file.createdAt).toUTCString());
      return sendFileContent(request, reply, services, file, textkingDisposition(file.name));
    },
  );

  // The translation is the file the provider delivered last (POST /v1/jobs/{id}/deliver/file).
  scope.get(
    '/project/:projectId/job/:jobId/translation',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { projectId, jobId } = request.params as { projectId: string; jobId: string };
      const project = await projectOf(request, projectId);
      const job = await jobOf(request, project, jobId);
      const delivered = (await jobFiles(services, job.id))
        .filter((f) => f.role === 'output')
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      const file = delivered[0];
      if (file === undefined) throw new AppError('not_found', 'The job has no translation yet.');
      reply.header('last-modified', new Date(file.createdAt).toUTCString());
      return sendFileContent(request, reply, services, file, textkingDisposition(file.name));
    },
  );

  textkingCallbackRoutes(scope, services, { base, projectOf, jobOf, bodyOf, pageOf });
  textkingCatalogueRoutes(scope, { base, pageOf });
  textkingLineItemRoutes(scope, services, { base, projectOf, pageOf });
}
