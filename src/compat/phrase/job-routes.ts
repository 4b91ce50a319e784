import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../core/auth.js';
import { AppError, unstorableValue } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Job } from '../../core/job.js';
import { unstorableJson } from '../../core/json.js';
import type { ProviderRef } from '../../core/people.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import { actOnJob } from '../../services/people.js';
import { deletePeopleJob, editPeopleJob, type PeopleJobChange } from '../../services/people-edits.js';
import { sendFileContent } from '../../http/file-content.js';
import { listJobEvents } from '../../store/events.js';
import { asyncRequestId, asyncRequestReference } from './async-request.js';
import { jobPartExtended, jobPartReference, partContexts, phraseDate } from './job-part.js';
import { invalid, jobUids, partOf, PHRASE_READ, PHRASE_WRITE, projectOf } from './params.js';
import { phraseStatus, type PhraseStatus } from './status.js';
import { changeStatus, requestedStatus } from './status-change.js';
import { originalFile, sendTargetFile } from './target-file.js';

// The job operations a translation client uses every day beyond create, get, list and setStatus:
// search, status history, edit (PUT, PATCH and the batch), delete (batch), the original and target
// files, and notifying the assigned providers.

type Body = Record<string, unknown>;

function bodyOf(request: FastifyRequest): Body {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('Send a JSON object.');
  const unstorable = unstorableJson(body, '#');
  if (unstorable !== undefined) throw unstorableValue(unstorable);
  return body as Body;
}

function dateDue(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalid('dateDue must be an ISO 8601 date and time, e.g. 2026-12-03T10:15:30Z.', { dateDue: value });
  return ms;
}

function providers(value: unknown): ProviderRef[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('providers must be a list of {"id", "type"}.');
  return value.map((p: unknown, i) => {
    const r = (p ?? {}) as Record<string, unknown>;
    const type = typeof r.type === 'string' ? r.type.toLowerCase() : '';
    // Jobline's providers are named by UUIDs (POST /v1/providers); Phrase's numeric ids name none.
    if (typeof r.id !== 'string' || !isUuid(r.id) || (type !== 'user' && type !== 'vendor'))
      throw invalid(`providers[${i}] must be {"id": "<provider id>", "type": "USER" | "VENDOR"}.`, {
        provider: p ?? null,
      });
    return { type, id: r.id.toLowerCase() };
  });
}

const sameProviders = (a: ProviderRef[], b: ProviderRef[]) =>
  JSON.stringify(a.map((p) => `${p.type}:${p.id}`).sort()) === JSON.stringify(b.map((p) => `${p.type}:${p.id}`).sort());

interface Edit {
  status?: PhraseStatus;
  dueAt?: number | null;
  providers?: ProviderRef[];
}

/** JobPartUpdateSingleDto (PUT: status required, absent members cleared) or JobPartPatchSingleDto. */
function parseEdit(body: Body, whole: boolean): Edit {
  const edit: Edit = {};
  if (whole || body.status !== undefined) edit.status = requestedStatus(body.status, 'status');
  if (whole || body.dateDue !== undefined) edit.dueAt = dateDue(body.dateDue);
  if (whole || body.providers !== undefined) edit.providers = providers(body.providers);
  return edit;
}

async function applyEdit(services: Services, principal: Principal, job: Job, edit: Edit): Promise<Job> {
  const change: PeopleJobChange = {};
  if (edit.dueAt !== undefined && edit.dueAt !== (job.people?.dueAt ?? null)) change.dueAt = edit.dueAt;
  if (edit.providers !== undefined && !sameProviders(edit.providers, job.people?.providers ?? []))
    change.providers = edit.providers;
  // Due date and providers change while the job is still to be taken (Jobline's rule), then the status.
  if (Object.keys(change).length > 0) await editPeopleJob(services, principal, job.id, change);
  if (edit.status !== undefined && edit.status !== phraseStatus(job))
    await changeStatus(services, principal, await getJob(services, principal, job.id), edit.status);
  return getJob(services, principal, job.id);
}

async function parts(services: Services, principal: Principal, project: Project, uids: string[]): Promise<Job[]> {
  const jobs = [];
  for (const uid of uids) jobs.push(await partOf(services, principal, project, uid));
  return jobs;
}

export function phraseJobRoutes(scope: FastifyInstance, services: Services): void {
  const principalOf = (request: FastifyRequest) => request.principal!;
  const target = async (request: FastifyRequest) => {
    const { projectUid, jobUid } = request.params as { projectUid: string; jobUid: string };
    const project = await projectOf(services, principalOf(request), projectUid);
    return { project, job: await partOf(services, principalOf(request), project, jobUid) };
  };
  const extended = async (project: Project, job: Job) =>
    jobPartExtended(job, (await partContexts(services, project, [job])).get(job.id)!);

  // Search jobs in project: the listed jobs that are job parts of the project (others are left out).
  scope.post(
    '/api2/v1/projects/:projectUid/jobs/search',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const principal = principalOf(request);
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const uids = jobUids(bodyOf(request), 50);
      const found: Job[] = [];
      for (const uid of uids) {
        const job = await partOf(services, principal, project, uid).catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'not_found') return undefined;
          throw error;
        });
        if (job !== undefined) found.push(job);
      }
      const contexts = await partContexts(services, project, found);
      return { jobs: found.map((job) => jobPartExtended(job, contexts.get(job.id)!)) };
    },
  );

  // Get status changes: the job's timeline as the Phrase statuses it went through, oldest first.
  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/statusChanges',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const { job } = await target(request);
      const changes: { status: PhraseStatus; changedDate: string; changedBy?: { uid: string; id: string } }[] = [];
      for (let after = 0; ;) {
        const events = await listJobEvents(services.store, job.id, after, 500);
        for (const e of events) {
          const data = e.data as { status?: unknown; status_reason?: unknown };
          if (typeof data.status !== 'string') continue;
          const status = phraseStatus({
            status: data.status as Job['status'],
            statusReason: (typeof data.status_reason === 'string' ? data.status_reason : null) as Job['statusReason'],
          });
          if (changes.at(-1)?.status === status) continue;
          changes.push({
            status,
            changedDate: phraseDate(e.createdAt)!,
            ...(e.actor !== null ? { changedBy: { uid: e.actor, id: e.actor } } : {}),
          });
        }
        if (events.length < 500) break;
        after = events.at(-1)!.seq;
      }
      return { statusChanges: changes };
    },
  );

  // Get job's workflowStep: ProjectWorkflowStepDto, whose integer id is the step's level (as Get project's).
  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/workflowStep',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const { job } = await target(request);
      const level = job.people?.workflowLevel ?? 1;
      return {
        id: level,
        abbreviation: job.type.slice(0, 1).toUpperCase(),
        name: job.type,
        workflowLevel: level,
        workflowStep: { id: job.type, name: job.type },
      };
    },
  );

  // Edit job (PUT: the whole entity, absent members cleared, as Phrase's PUT) and Patch job.
  for (const [method, whole] of [
    ['PUT', true],
    ['PATCH', false],
  ] as const) {
    scope.route({
      method,
      url: '/api2/v1/projects/:projectUid/jobs/:jobUid',
      config: PHRASE_WRITE,
      schema: { hide: true },
      handler: async (request) => {
        const { project, job } = await target(request);
        const edited = await applyEdit(services, principalOf(request), job, parseEdit(bodyOf(request), whole));
        return extended(project, edited);
      },
    });
  }

  // Edit jobs (batch): every job is checked first; then each is edited in turn.
  scope.put(
    '/api2/v1/projects/:projectUid/jobs/batch',
    { config: PHRASE_WRITE, schema: { hide: true } },
    async (request) => {
      const principal = principalOf(request);
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const body = bodyOf(request);
      const edit = parseEdit(body, true);
      const jobs = await parts(services, principal, project, jobUids(body, 100));
      const edited = [];
      for (const job of jobs) edited.push(await applyEdit(services, principal, job, edit));
      const contexts = await partContexts(services, project, edited);
      return { jobs: edited.map((job) => jobPartReference(job, contexts.get(job.id)!)) };
    },
  );

  // Delete job (batch): jobs still to be taken in a prepared project, as Jobline removes people jobs.
  scope.delete(
    '/api2/v1/projects/:projectUid/jobs/batch',
    { config: PHRASE_WRITE, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const jobs = await parts(services, principal, project, jobUids(bodyOf(request), 100));
      for (const job of jobs) await deletePeopleJob(services, principal, job.id);
      return reply.code(204).send();
    },
  );

  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/original',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request, reply) => {
      const { job } = await target(request);
      const file = await originalFile(services, job);
      if (file === undefined) throw new AppError('not_found', 'The job has no source document.');
      return sendFileContent(request, reply, services, file);
    },
  );

  // Download target file: v1 answers the file; v2 and v3 start an "asynchronous" export whose
  // request is the job's own number (the file is made when downloaded, so it is finished at once).
  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/targetFile',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request, reply) => sendTargetFile(request, reply, services, (await target(request)).job),
  );
  for (const version of ['v2', 'v3']) {
    scope.put(
      `/api2/${version}/projects/:projectUid/jobs/:jobUid/targetFile`,
      { config: PHRASE_READ, schema: { hide: true } },
      async (request, reply) => {
        const { project, job } = await target(request);
        return reply.code(202).send({
          asyncRequest: { ...asyncRequestReference(job, project), action: 'EXPORT_COMPLETE_FILE' },
        });
      },
    );
  }
  scope.get(
    '/api2/v2/projects/:projectUid/jobs/:jobUid/downloadTargetFile/:asyncRequestId',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request, reply) => {
      const { project, job } = await target(request);
      const { asyncRequestId: id } = request.params as { asyncRequestId: string };
      const format = (request.query as Record<string, unknown>).format;
      // Phrase's formats are ORIGINAL (the default) and PDF; Jobline makes no PDFs.
      if (format !== undefined && (typeof format !== 'string' || format.toUpperCase() !== 'ORIGINAL'))
        throw invalid('format must be ORIGINAL: Jobline does not render PDF previews.', { format });
      if (id !== asyncRequestId(job, project))
        throw new AppError('not_found', `No async request ${id} exports this job.`);
      return sendTargetFile(request, reply, services, job);
    },
  );

  // Notify assigned users: Jobline notifies a job's providers by offering it to them (EMAILED);
  // jobs already offered, taken or finished are left as they are.
  scope.post(
    '/api2/v1/projects/:projectUid/jobs/notifyAssigned',
    { config: PHRASE_WRITE, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const jobs = await parts(services, principal, project, jobUids(bodyOf(request), 100));
      for (const job of jobs) {
        if (phraseStatus(job) !== 'NEW' || (job.people?.providers ?? []).length === 0) continue;
        await actOnJob(services, principal, job.id, 'offer');
      }
      return reply.code(204).send();
    },
  );
}
