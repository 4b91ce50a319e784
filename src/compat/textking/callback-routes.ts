import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../core/errors.js';
import { isUuid, uuidv7 } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { webhookUrlProblem } from '../../services/webhook-urls.js';
import {
  deleteTextKingCallback,
  findTextKingCallback,
  insertTextKingCallback,
  listTextKingCallbacks,
  updateTextKingCallback,
  type TextKingCallback,
} from '../../store/textking-callbacks.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import { CALLBACK_TRIGGER_STATES } from './callbacks.js';
import { sendTextKing, textkingCallback, textkingPage } from './representation.js';

// A job's callbacks (wiki: Using callbacks to monitor translation progress, Get job callbacks; the PHP
// client's api.json for callback/{id}). Registering one needs no particular project state: callbacks
// follow the work, which happens once the project runs. The dispatcher fires them (callbacks.ts).

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;

export interface CallbackRouteContext {
  base: (request: FastifyRequest) => string;
  projectOf: (request: FastifyRequest, id: string) => Promise<Project>;
  jobOf: (request: FastifyRequest, project: Project, id: string) => Promise<Job>;
  bodyOf: (request: FastifyRequest) => Record<string, unknown>;
  pageOf: (request: FastifyRequest) => { page: number; perPage: number };
}

const badInput = (message: string) => new AppError('bad_request', message);

interface CallbackFields {
  url: string;
  triggerState: string;
  extraData: string | null;
}

/**
 * `{url, trigger_state, extra_data}`; on PUT the ones given replace the callback's. A URL is checked as a
 * webhook's is (http or https, no credentials, a public host): TextKing answers bad input with 400.
 */
async function callbackFields(
  services: Services,
  body: Record<string, unknown>,
  current: TextKingCallback | undefined,
): Promise<CallbackFields> {
  const url = body.url ?? current?.url;
  if (typeof url !== 'string' || url === '') throw badInput('url is required.');
  const problem = url === current?.url ? undefined : await webhookUrlProblem(url, services.policy.webhookAllowPrivate);
  if (problem !== undefined) throw badInput(`url ${problem}.`);
  const triggerState = body.trigger_state ?? current?.triggerState;
  if (typeof triggerState !== 'string' || !CALLBACK_TRIGGER_STATES.includes(triggerState as never)) {
    throw badInput(`trigger_state must be one of ${CALLBACK_TRIGGER_STATES.join(', ')}.`);
  }
  // The wiki shows extra_data as text and, once, as an object: an object is kept as its JSON.
  const extra = 'extra_data' in body ? body.extra_data : (current?.extraData ?? null);
  const extraData =
    extra === null || extra === undefined ? null : typeof extra === 'string' ? extra : JSON.stringify(extra);
  return { url, triggerState, extraData };
}

export function textkingCallbackRoutes(scope: FastifyInstance, services: Services, c: CallbackRouteContext): void {
  async function jobOf(request: FastifyRequest): Promise<{ project: Project; job: Job }> {
    const { projectId, jobId } = request.params as { projectId: string; jobId: string };
    const project = await c.projectOf(request, projectId);
    return { project, job: await c.jobOf(request, project, jobId) };
  }

  async function callbackOf(request: FastifyRequest, job: Job): Promise<TextKingCallback> {
    const { callbackId } = request.params as { callbackId: string };
    if (!isUuid(callbackId)) throw new AppError('invalid_id', 'The callback ID is not a valid UUID.');
    const callback = await findTextKingCallback(services.store.db, job.id, callbackId.toLowerCase());
    if (callback === undefined) throw notFound('callback', callbackId);
    return callback;
  }

  const send = (request: FastifyRequest, project: Project, callback: TextKingCallback) =>
    textkingCallback(c.base(request), project.id, callback);

  scope.get(
    '/project/:projectId/job/:jobId/callbacks',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { project, job } = await jobOf(request);
      const { page, perPage } = c.pageOf(request);
      const result = await listTextKingCallbacks(services.store.db, job.id, (page - 1) * perPage, perPage);
      const url = `${c.base(request)}/project/${project.id}/job/${job.id}/callbacks`;
      return sendTextKing(
        request,
        reply,
        textkingPage(
          url,
          page,
          perPage,
          result.total,
          result.callbacks.map((cb) => send(request, project, cb)),
        ),
        { root: 'callbacks', itemName: 'callback' },
      );
    },
  );

  // The wiki's example answers a registration with 200 and a Location (not the 201 of other creates).
  scope.post(
    '/project/:projectId/job/:jobId/callbacks',
    { config: WRITE, schema: { hide: true } },
    async (request, reply) => {
      const { project, job } = await jobOf(request);
      const fields = await callbackFields(services, c.bodyOf(request), undefined);
      const now = services.clock.now();
      const callback: TextKingCallback = {
        id: uuidv7(now),
        workspaceId: job.workspaceId,
        jobId: job.id,
        ...fields,
        createdAt: now,
        updatedAt: now,
      };
      await insertTextKingCallback(services.store.db, callback);
      const location = `${c.base(request)}/project/${project.id}/job/${job.id}/callback/${callback.id}`;
      return sendTextKing(
        request,
        reply.code(200).header('location', location).header('content-location', location),
        send(request, project, callback),
        { root: 'callback' },
      );
    },
  );

  scope.get(
    '/project/:projectId/job/:jobId/callback/:callbackId',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { project, job } = await jobOf(request);
      return sendTextKing(request, reply, send(request, project, await callbackOf(request, job)), { root: 'callback' });
    },
  );

  scope.put(
    '/project/:projectId/job/:jobId/callback/:callbackId',
    { config: WRITE, schema: { hide: true } },
    async (request, reply) => {
      const { project, job } = await jobOf(request);
      const current = await callbackOf(request, job);
      const fields = await callbackFields(services, c.bodyOf(request), current);
      const updated = { ...current, ...fields, updatedAt: services.clock.now() };
      if (!(await updateTextKingCallback(services.store.db, updated))) throw notFound('callback', current.id);
      return sendTextKing(request, reply, send(request, project, updated), { root: 'callback' });
    },
  );

  scope.delete(
    '/project/:projectId/job/:jobId/callback/:callbackId',
    { config: WRITE, schema: { hide: true } },
    async (request, reply) => {
      const { job } = await jobOf(request);
      const callback = await callbackOf(request, job);
      if (!(await deleteTextKingCallback(services.store.db, job.id, callback.id)))
        throw notFound('callback', callback.id);
      return reply.code(204).send();
    },
  );
}
