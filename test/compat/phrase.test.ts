import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Worker } from '../../src/engine/worker.js';
import { findJobByNumber } from '../../src/store/people-views.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { provider } from '../people/helpers.js';
import { phraseStatus as nativeAsPhrase } from '../people/vendor-statuses.js';
import * as schemas from './schemas/phrase.js';
import { expectSeedValid, seedSchemas, undeclaredMembers } from './schemas/phrase.js';
import { validator } from './schemas/validate.js';
import { expectPhrase } from './schemas/phrase-tms.js';

const expectHandWritten = validator([
  schemas.phraseError,
  schemas.jobPartReference,
  schemas.jobPage,
  schemas.jobList,
  schemas.asyncRequest,
  schemas.preTranslateResponse,
]);
// Each body is checked against the hand-written schema (members required as Jobline sends them) and
// against Phrase's own schema as its generated client embeds it (test/fixtures/phrase-openapi).
const PHRASE_SCHEMAS: Record<string, string> = {
  'phrase-job-page': 'PageDtoJobPartReferenceV2',
  'phrase-job-list': 'JobListDto',
  'phrase-async-request': 'AsyncRequestDto',
  'phrase-pre-translate': 'AsyncRequestWrapperV2Dto',
};
function expectValid(id: string, value: unknown): void {
  expectHandWritten(id, value);
  if (PHRASE_SCHEMAS[id] !== undefined) expectPhrase(PHRASE_SCHEMAS[id], value);
}
const PHRASE = '/compat/phrase/web';
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';
const TEXT = 'Hello world.\n\nThe job failed.\n\nSomething nobody translated yet.\n';
// A bilingual file whose targets are the workspace's translation memory once imported.
const XLIFF = `<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="de">
  <file id="f1"><unit id="a"><segment><source>Hello world.</source><target>Hallo Welt.</target></segment></unit>
  <unit id="b"><segment><source>The job failed.</source><target>Der Auftrag ist fehlgeschlagen.</target></segment></unit></file>
</xliff>`;

/** Phrase's error body and status, nothing of the native problem details. */
function expectError(res: LightMyRequestResponse, status: number, code?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expectValid('phrase-error', body);
  if (code !== undefined) expect(body.errorCode).toBe(code);
  expect(body.errorDetails.length).toBeGreaterThan(0);
}

/** A Get job answer: valid against the seed's JobPartExtendedDtoV1 and declaring nothing beyond it. */
function expectJobPart(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expectSeedValid('JobPartExtendedDtoV1', body);
  expect(undeclaredMembers('JobPartExtendedDtoV1', body)).toEqual([]);
  return body;
}

describe.each(DIALECTS)('Phrase TMS compatible API on %s', (dialect) => {
  let t: TestApp;
  // No worker runs in the background: imports stay RUNNING until a test runs the queue.
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { policy: { webhookAllowPrivate: true } });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  /** The Jobline id of an async request id (project number × 10^9 + job number, in workspace acme). */
  async function jobId(id: string): Promise<string> {
    if (!/^\d+$/.test(id)) return id;
    const { id: workspaceId } = await t.services.store.db
      .selectFrom('workspaces')
      .select('id')
      .where('name', '=', 'acme')
      .executeTakeFirstOrThrow();
    const n = Number(id);
    const projectNumber = Math.floor(n / 1e9);
    const job = await findJobByNumber(t.services.store.db, workspaceId, projectNumber || null, n % 1e9);
    return job!.id;
  }

  /** Runs the queue until these jobs (Jobline ids or async request ids) have finished. */
  async function run(...ids: string[]): Promise<void> {
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      for (const id of ids) await t.finished(await jobId(id));
    } finally {
      await worker.stop(1000);
    }
  }

  const auth = (token: string | null, scheme = 'ApiToken') =>
    token === null ? {} : { authorization: `${scheme} ${token}` };
  const get = (url: string, token: string | null = t.admin, scheme?: string) =>
    t.app.inject({ method: 'GET', url: `${PHRASE}${url}`, headers: auth(token, scheme) });
  const post = (url: string, body: unknown, token: string = t.admin) =>
    t.app.inject({
      method: 'POST',
      url: `${PHRASE}${url}`,
      headers: { ...auth(token), 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  async function project(name: string, steps: string[] = []) {
    const res = await t.call({ method: 'POST', url: '/v1/projects', payload: { name, workflow_steps: steps } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; name: string }>();
  }

  function createJobs(
    projectId: string,
    memsource: unknown,
    options: { filename?: string; body?: string; type?: string; token?: string; disposition?: string | null } = {},
  ) {
    const disposition =
      options.disposition === undefined
        ? `filename*=UTF-8''${encodeURIComponent(options.filename ?? 'Home page.txt')}`
        : options.disposition;
    return t.app.inject({
      method: 'POST',
      url: `${PHRASE}/api2/v1/projects/${projectId}/jobs`,
      headers: {
        ...auth(options.token ?? t.admin),
        'content-type': options.type ?? 'application/octet-stream',
        ...(memsource === undefined
          ? {}
          : { memsource: typeof memsource === 'string' ? memsource : JSON.stringify(memsource) }),
        ...(disposition === null ? {} : { 'content-disposition': disposition }),
      },
      payload: options.body ?? TEXT,
    });
  }

  /** The translation memory: an imported bilingual file (a succeeded job whose segments have targets). */
  async function translationMemory(): Promise<void> {
    const xliff = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=memory.xlf',
        headers: { 'content-type': 'application/xliff+xml' },
        payload: XLIFF,
      })
    ).json();
    const memory = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'document-import', input: { file_id: xliff.id } },
      })
    ).json();
    await run(memory.id);
  }

  const setStatus = (projectId: string, jobUid: string, requestedStatus: string) =>
    post(`/api2/v1/projects/${projectId}/jobs/${jobUid}/setStatus`, { requestedStatus });
  const getPart = (projectId: string, uid: string) => get(`/api2/v1/projects/${projectId}/jobs/${uid}`);

  describe('POST /api2/v1/projects/{projectUid}/jobs', () => {
    it_('creates the import and one job per target language × workflow step, RUNNING then OK', async () => {
      const p = await project('Website', ['translation', 'revision']);
      const res = await createJobs(p.id, {
        targetLangs: ['de', 'fr'],
        due: '2026-12-03T10:15:30Z',
        path: 'pages/home',
        callbackUrl: 'http://127.0.0.1:9/phrase',
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expectValid('phrase-job-list', body);
      expect(body.asyncRequest.action).toBe('IMPORT_JOB');
      expect(
        body.jobs.map((j: { targetLang: string; workflowLevel: number; status: string }) => [
          j.targetLang,
          j.workflowLevel,
          j.status,
        ]),
      ).toEqual([
        ['de', 1, 'NEW'],
        ['de', 2, 'NEW'],
        ['fr', 1, 'NEW'],
        ['fr', 2, 'NEW'],
      ]);
      const [de1, de2, fr1] = body.jobs as { uid: string; innerId: string }[];
      // innerId and jobReference are shared by the steps of one file and language.
      expect(de1!.innerId).toBe(de2!.innerId);
      expect(de1!.innerId).not.toBe(fr1!.innerId);

      const running = expectJobPart(await getPart(p.id, de2!.uid));
      expect(running).toMatchObject({
        uid: de2!.uid,
        status: 'NEW',
        targetLang: 'de',
        workflowLevel: 2,
        lastWorkflowLevel: 2,
        workflowStep: { name: 'revision', order: 2, workflowLevel: 2 },
        filename: 'Home page.txt',
        dateDue: '2026-12-03T10:15:30Z',
        importStatus: { status: 'RUNNING' },
        imported: false,
        originalFileDirectory: 'pages/home',
        project: { uid: p.id, name: 'Website' },
        serverTaskId: await jobId(body.asyncRequest.id),
        isParentJobSplit: false,
      });
      const first = expectJobPart(await getPart(p.id, de1!.uid));
      expect(first.jobReference).toEqual(running.jobReference);
      expect(first.jobReference.filename).toBe('Home page.txt');

      // The import is an asynchronous request.
      const pending = await get(`/api2/v1/async/${body.asyncRequest.id}`);
      expectValid('phrase-async-request', pending.json());
      expect(pending.json()).toMatchObject({ action: 'IMPORT_JOB', asyncResponse: null, project: { uid: p.id } });

      await run(body.asyncRequest.id);
      const ok = expectJobPart(await getPart(p.id, de1!.uid));
      expect(ok).toMatchObject({ importStatus: { status: 'OK' }, imported: true, beginIndex: 0, endIndex: 2 });
      expect(ok.wordsCount).toBeGreaterThan(0);
      const done = (await get(`/api2/v1/async/${body.asyncRequest.id}`)).json();
      expectValid('phrase-async-request', done);
      expect(done.asyncResponse).toMatchObject({ errorDetails: [], warnings: [] });
      expect(done.asyncResponse.errorCode).toBeUndefined();

      // The same jobs in the native API: people jobs of the project, with the callback URL.
      const native = (await t.call({ method: 'GET', url: `/v1/jobs/${de1!.uid}` })).json();
      expect(native).toMatchObject({
        executor: 'people',
        project_id: p.id,
        type: 'translation',
        callback_url: 'http://127.0.0.1:9/phrase',
        people: { workflow_level: 1, import_job_id: await jobId(body.asyncRequest.id) },
      });
      expect(nativeAsPhrase(native)).toBe(ok.status);
    });

    it_('reports a document that cannot be imported as importStatus ERROR with its errorMessage', async () => {
      const p = await project('Broken');
      const res = await createJobs(
        p.id,
        { targetLangs: ['de'] },
        { filename: 'data.bin', body: '\u0000\u0001\u0002binary', type: 'application/octet-stream' },
      );
      expect(res.statusCode, res.body).toBe(201);
      const { jobs, asyncRequest } = res.json();
      await run(asyncRequest.id);
      const part = expectJobPart(await getPart(p.id, jobs[0].uid));
      expect(part.importStatus.status).toBe('ERROR');
      expect(part.importStatus.errorMessage).toMatch(/data\.bin/);
      expect(part.imported).toBe(false);
      const failed = (await get(`/api2/v1/async/${asyncRequest.id}`)).json();
      expectValid('phrase-async-request', failed);
      expect(failed.asyncResponse.errorCode).toEqual(expect.any(String));
    });

    it_('assigns providers per language, and per step through workflowSettings', async () => {
      const lena = await provider(t, 'Lena');
      const agency = await provider(t, 'Agency', 'vendor');
      const p = await project('Assigned', ['translation', 'revision']);
      const res = await createJobs(p.id, {
        targetLangs: ['de'],
        workflowSettings: [
          { id: 'translation', assignments: [{ targetLang: 'de', providers: [{ id: lena.id, type: 'USER' }] }] },
          { id: 'revision', assignments: [{ targetLang: 'de', providers: [{ id: agency.id, type: 'VENDOR' }] }] },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const [first, second] = res.json().jobs;
      expect(first.providers).toEqual([{ type: 'USER', id: lena.id, uid: lena.id }]);
      expect(second.providers).toEqual([{ type: 'VENDOR', id: agency.id, uid: agency.id }]);
    });

    it_('answers missing or broken settings with 400 JobCreateError', async () => {
      const p = await project('Refused');
      expectError(await createJobs(p.id, undefined), 400, 'JobCreateError');
      expectError(await createJobs(p.id, '{"targetLangs":'), 400, 'JobCreateError');
      expectError(await createJobs(p.id, {}), 400, 'JobCreateError');
      expectError(await createJobs(p.id, { targetLangs: ['not a language'] }), 400, 'JobCreateError');
      expectError(await createJobs(p.id, { targetLangs: ['de'], due: 'tomorrow' }), 400, 'JobCreateError');
      expectError(await createJobs(p.id, { targetLangs: ['de'] }, { disposition: null }), 400, 'JobCreateError');
      expectError(
        await createJobs(p.id, { targetLangs: ['de'], workflowSettings: [{ id: 'lqa' }] }),
        400,
        'JobCreateError',
      );
      expectError(
        await createJobs(p.id, {
          targetLangs: ['de'],
          assignments: [{ targetLang: 'de', providers: [{ id: UNKNOWN, type: 'USER' }] }],
        }),
        400,
        'JobCreateError',
      );
      expectError(await createJobs(UNKNOWN, { targetLangs: ['de'] }), 404, 'ResourceNotFound');
      const cancelled = await project('Cancelled');
      await t.call({ method: 'POST', url: `/v1/projects/${cancelled.id}/cancel` });
      expectError(await createJobs(cancelled.id, { targetLangs: ['de'] }), 400, 'JobCreateError');
      // A plain filename="…" works as well.
      expect(
        (await createJobs(p.id, { targetLangs: ['de'] }, { disposition: 'attachment; filename="notes.txt"' })).json()
          .jobs[0].filename,
      ).toBe('notes.txt');
    });
  });

  describe('GET /api2/v1/projects/{projectUid}/jobs/{jobUid}', () => {
    it_('renders every member of JobPartExtendedDtoV1 for a continuous job with its dates', async () => {
      const lena = await provider(t, 'Lena');
      const p = await project('Continuous');
      const file = (
        await t.call({
          method: 'POST',
          url: '/v1/files?name=app.txt',
          headers: { 'content-type': 'text/plain' },
          payload: TEXT,
        })
      ).json();
      const work = await t.call({
        method: 'POST',
        url: `/v1/projects/${p.id}/documents`,
        payload: {
          file_id: file.id,
          source_language: 'en',
          target_languages: ['de'],
          steps: ['translation'],
          due_at: '2026-06-01T12:00:00Z',
          continuous: true,
          input: { path: 'app' },
          assignments: [{ target_language: 'de', providers: [lena.ref] }],
        },
      });
      expect(work.statusCode, work.body).toBe(201);
      const { import_job: importJob, jobs } = work.json();
      await run(importJob.id);
      expect((await setStatus(p.id, jobs[0].id, 'ACCEPTED')).statusCode).toBe(204);
      expect((await setStatus(p.id, jobs[0].id, 'DELIVERED')).statusCode).toBe(204);
      const part = expectJobPart(await getPart(p.id, jobs[0].id));
      const members = Object.keys(seedSchemas.JobPartExtendedDtoV1!.properties!);
      expect(Object.keys(part).sort()).toEqual([...members].sort());
      expect(part).toMatchObject({
        status: 'DELIVERED',
        sourceLang: 'en',
        continuous: true,
        providers: [{ type: 'USER', id: lena.id, uid: lena.id }],
        workUnit: {},
      });
      expect(part.continuousJobInfo.dateUpdated).toEqual(part.updateTargetDate);
      expect(part.dateCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it_('answers unknown, malformed and foreign ids with 404 ResourceNotFound', async () => {
      const p = await project('Lookups');
      const other = await project('Other');
      const created = (await createJobs(p.id, { targetLangs: ['de'] })).json();
      expectError(await getPart(p.id, UNKNOWN), 404, 'ResourceNotFound');
      expectError(await getPart(p.id, '12345'), 404, 'ResourceNotFound');
      expectError(await getPart('12345', created.jobs[0].uid), 404, 'ResourceNotFound');
      expectError(await getPart(other.id, created.jobs[0].uid), 404, 'ResourceNotFound');
      // The import job is an async request, not a job part.
      expectError(await getPart(p.id, await jobId(created.asyncRequest.id)), 404, 'ResourceNotFound');
      const stranger = await t.token(['jobs:read', 'jobs:write'], 'elsewhere');
      expectError(
        await get(`/api2/v1/projects/${p.id}/jobs/${created.jobs[0].uid}`, stranger),
        404,
        'ResourceNotFound',
      );
      expectError(await get(`/api2/v1/async/${UNKNOWN}`), 404, 'ResourceNotFound');
      expectError(await get(`/api2/v1/async/${created.jobs[0].uid}`), 404, 'ResourceNotFound');
    });

    it_(
      'takes the token as ApiToken or Bearer; 401 AuthUnauthorized without one, 403 AuthAccessDenied without the scope',
      async () => {
        const p = await project('Auth');
        const created = (await createJobs(p.id, { targetLangs: ['de'] })).json();
        const uid = created.jobs[0].uid;
        expectJobPart(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, t.admin, 'ApiToken'));
        expectJobPart(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, t.admin, 'Bearer'));
        expectError(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, null), 401, 'AuthUnauthorized');
        expectError(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, 'jl_nope_nope'), 401, 'AuthUnauthorized');
        expectError(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, t.admin, 'Basic'), 401, 'AuthUnauthorized');
        const reader = await t.token(['jobs:read']);
        expectJobPart(await get(`/api2/v1/projects/${p.id}/jobs/${uid}`, reader));
        expectError(
          await post(`/api2/v1/projects/${p.id}/jobs/${uid}/setStatus`, { requestedStatus: 'CANCELLED' }, reader),
          403,
          'AuthAccessDenied',
        );
        expectError(await createJobs(p.id, { targetLangs: ['de'] }, { token: reader }), 403, 'AuthAccessDenied');
      },
    );
  });

  describe('POST …/jobs/{jobUid}/setStatus', () => {
    it_('renders every Phrase status, each change a people action seen by the native API', async () => {
      const lena = await provider(t, 'Lena');
      const p = await project('Statuses');
      const created = (
        await createJobs(p.id, {
          targetLangs: ['de', 'fr', 'it', 'es'],
          assignments: ['de', 'fr', 'it', 'es'].map((l) => ({
            targetLang: l,
            providers: [{ id: lena.id, type: 'USER' }],
          })),
        })
      ).json();
      await run(created.asyncRequest.id);
      const [a, b, c, d] = created.jobs.map((j: { uid: string }) => j.uid) as string[];
      const seen = new Set<string>();
      const expectStatus = async (uid: string, status: string) => {
        const part = expectJobPart(await getPart(p.id, uid));
        expect(part.status).toBe(status);
        const native = (await t.call({ method: 'GET', url: `/v1/jobs/${uid}` })).json();
        expect(nativeAsPhrase(native)).toBe(status);
        seen.add(status);
      };
      const change = async (uid: string, to: string) => {
        const res = await setStatus(p.id, uid, to);
        expect(res.statusCode, res.body).toBe(204);
        expect(res.body).toBe('');
        await expectStatus(uid, to);
      };
      await expectStatus(a!, 'NEW');
      for (const to of [
        'EMAILED',
        'DECLINED',
        'EMAILED',
        'ACCEPTED',
        'DELIVERED',
        'ACCEPTED',
        'DELIVERED',
        'COMPLETED',
        'NEW',
      ])
        await change(a!, to);
      for (const to of ['ACCEPTED', 'COMPLETED']) await change(b!, to);
      for (const to of ['ACCEPTED', 'REJECTED']) await change(c!, to);
      await change(d!, 'CANCELLED');
      expect([...seen].sort()).toEqual([
        'ACCEPTED',
        'CANCELLED',
        'COMPLETED',
        'DECLINED',
        'DELIVERED',
        'EMAILED',
        'NEW',
        'REJECTED',
      ]);
      // Lowercase works too (Phrase enums are case-insensitive), and the same status again changes nothing.
      expect((await setStatus(p.id, d!, 'cancelled')).statusCode).toBe(204);
      // Each change is in the job's timeline as the action it took.
      const events = (await t.call({ method: 'GET', url: `/v1/jobs/${b}/events` }))
        .json()
        .data.map((e: { type: string }) => e.type);
      expect(events).toEqual(
        expect.arrayContaining(['job.action.accept', 'job.action.deliver', 'job.action.accept_delivery']),
      );
    });

    it_('answers an illegal change, an unknown status and an unready job in Phrase error bodies', async () => {
      const p = await project('Illegal');
      const created = (await createJobs(p.id, { targetLangs: ['de'] })).json();
      const uid = created.jobs[0].uid;
      // The import has not run: the job cannot be accepted yet.
      expectError(await setStatus(p.id, uid, 'ACCEPTED'), 400, 'JOB_NOT_READY');
      await run(created.asyncRequest.id);
      const illegal = await setStatus(p.id, uid, 'COMPLETED');
      expectError(illegal, 400, 'InvalidArguments');
      expect(illegal.json().errorDetails[0].args).toEqual({ status: 'NEW', requestedStatus: 'COMPLETED' });
      expectError(await setStatus(p.id, uid, 'DELIVERED'), 400, 'InvalidArguments');
      expectError(await setStatus(p.id, uid, 'FINISHED'), 400, 'InvalidArguments');
      expectError(await post(`/api2/v1/projects/${p.id}/jobs/${uid}/setStatus`, {}), 400, 'InvalidArguments');
      // EMAILED needs someone to send it to.
      expectError(await setStatus(p.id, uid, 'EMAILED'), 400, 'InvalidArguments');
      const malformed = await t.app.inject({
        method: 'POST',
        url: `${PHRASE}/api2/v1/projects/${p.id}/jobs/${uid}/setStatus`,
        headers: { ...auth(t.admin), 'content-type': 'application/json' },
        payload: '{"requestedStatus":',
      });
      expectError(malformed, 400, 'InvalidArguments');
      expectError(await setStatus(p.id, UNKNOWN, 'CANCELLED'), 404, 'ResourceNotFound');
    });
  });

  describe('GET /api2/v2/projects/{projectUid}/jobs', () => {
    it_('pages from 0 in pages of at most 50, first workflow step by default, filtered by status', async () => {
      const p = await project('Listed', ['translation', 'revision']);
      const created = (await createJobs(p.id, { targetLangs: ['de', 'fr', 'it'] })).json();
      await run(created.asyncRequest.id);
      const list = async (query: string) => {
        const res = await get(`/api2/v2/projects/${p.id}/jobs${query}`);
        expect(res.statusCode, res.body).toBe(200);
        expectValid('phrase-job-page', res.json());
        return res.json();
      };
      const all = await list('');
      expect(all).toMatchObject({ totalElements: 3, totalPages: 1, pageSize: 50, pageNumber: 0, numberOfElements: 3 });
      expect(
        all.content.map((j: { targetLang: string; workflowLevel: number }) => [j.targetLang, j.workflowLevel]),
      ).toEqual([
        ['de', 1],
        ['fr', 1],
        ['it', 1],
      ]);
      expect(
        (await list('?workflowLevel=2')).content.every(
          (j: { workflowStep: { name: string } }) => j.workflowStep.name === 'revision',
        ),
      ).toBe(true);
      const second = await list('?pageSize=2&pageNumber=1');
      expect(second).toMatchObject({
        totalElements: 3,
        totalPages: 2,
        pageSize: 2,
        pageNumber: 1,
        numberOfElements: 1,
      });
      expect(second.content[0].uid).toBe(all.content[2].uid);
      expect((await list('?pageNumber=5')).numberOfElements).toBe(0);

      await setStatus(p.id, all.content[0].uid, 'CANCELLED');
      expect((await list('?status=CANCELLED')).content.map((j: { uid: string }) => j.uid)).toEqual([
        all.content[0].uid,
      ]);
      expect((await list('?status=NEW&status=CANCELLED')).totalElements).toBe(3);
      expect((await list('?status=NEW')).totalElements).toBe(2);
      expect((await list('?status=new')).totalElements).toBe(2);

      expectError(await get(`/api2/v2/projects/${p.id}/jobs?pageSize=51`), 400, 'InvalidArguments');
      expectError(await get(`/api2/v2/projects/${p.id}/jobs?pageSize=0`), 400, 'InvalidArguments');
      expectError(await get(`/api2/v2/projects/${p.id}/jobs?pageNumber=-1`), 400, 'InvalidArguments');
      expectError(await get(`/api2/v2/projects/${p.id}/jobs?status=DONE`), 400, 'InvalidArguments');
      expectError(await get(`/api2/v2/projects/${UNKNOWN}/jobs`), 404, 'ResourceNotFound');
    });
  });

  describe('POST /api2/v3/projects/{projectUid}/jobs/preTranslate', () => {
    it_(
      'answers 400 JOB_NOT_READY while an import is not OK, then pre-translates from earlier translations',
      async () => {
        await translationMemory();

        const p = await project('Pre-translated');
        const created = (await createJobs(p.id, { targetLangs: ['de', 'fr'], sourceLang: 'en' })).json();
        const [de, fr] = created.jobs.map((j: { uid: string }) => j.uid) as string[];
        const body = {
          jobs: [{ uid: de }, { uid: fr }],
          preTranslateSettings: { translationMemorySettings: { useTranslationMemory: true } },
        };
        const early = await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, body);
        expectError(early, 400, 'JOB_NOT_READY');

        await run(created.asyncRequest.id);
        const res = await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, body);
        expect(res.statusCode, res.body).toBe(202);
        expectValid('phrase-pre-translate', res.json());
        const request = res.json().asyncRequest;
        expect(request).toMatchObject({
          action: 'PRE_TRANSLATE',
          asyncResponse: null,
          project: { uid: p.id, name: 'Pre-translated' },
        });
        await run(request.id);
        const finished = (await get(`/api2/v1/async/${request.id}`)).json();
        expectValid('phrase-async-request', finished);
        expect(finished.asyncResponse.errorCode).toBeUndefined();
        // The pre-translation is a machine job of the project in the native API, with its result.
        const native = (await t.call({ method: 'GET', url: `/v1/jobs/${await jobId(request.id)}` })).json();
        expect(native).toMatchObject({
          type: 'pre-translate',
          executor: 'worker',
          project_id: p.id,
          status: 'succeeded',
          output: { pre_translated: 2 },
        });
        const segments = (await t.call({ method: 'GET', url: `/v1/jobs/${de}/segments` }))
          .json()
          .data.map((s: { source: string; target: string | null }) => [s.source, s.target]);
        expect(segments).toEqual([
          ['Hello world.', 'Hallo Welt.'],
          ['The job failed.', 'Der Auftrag ist fehlgeschlagen.'],
          ['Something nobody translated yet.', null],
        ]);
        // French has no earlier translation.
        const french = (await t.call({ method: 'GET', url: `/v1/jobs/${fr}/segments` })).json().data;
        expect(french.every((s: { target: string | null }) => s.target === null)).toBe(true);
      },
    );

    it_('pre-translates after the import when Create job asks for it with preTranslate', async () => {
      await translationMemory();
      const p = await project('Auto');
      const created = (await createJobs(p.id, { targetLangs: ['de'], sourceLang: 'en', preTranslate: true })).json();
      await run(created.asyncRequest.id);
      const jobs = (await t.call({ method: 'GET', url: `/v1/jobs?project_id=${p.id}&type=pre-translate` })).json().data;
      expect(jobs).toHaveLength(1);
      await run(jobs[0].id);
      const segments = (await t.call({ method: 'GET', url: `/v1/jobs/${created.jobs[0].uid}/segments` })).json().data;
      expect(segments.map((s: { target: string | null }) => s.target)).toEqual([
        'Hallo Welt.',
        'Der Auftrag ist fehlgeschlagen.',
        null,
      ]);
    });

    it_('refuses an empty list, unknown jobs and more than 100', async () => {
      const p = await project('Refused pre-translation');
      expectError(await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, { jobs: [] }), 400, 'InvalidArguments');
      expectError(await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, {}), 400, 'InvalidArguments');
      expectError(await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, { jobs: [{}] }), 400, 'InvalidArguments');
      expectError(
        await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, {
          jobs: Array.from({ length: 101 }, () => ({ uid: UNKNOWN })),
        }),
        400,
        'InvalidArguments',
      );
      expectError(
        await post(`/api2/v3/projects/${p.id}/jobs/preTranslate`, { jobs: [{ uid: UNKNOWN }] }),
        404,
        'ResourceNotFound',
      );
    });
  });

  describe('unknown routes under the prefix', () => {
    it_('answer 404 in the Phrase error body, never as problem details', async () => {
      expectError(await get('/api2/v1/projectz'), 404, 'ResourceNotFound');
      expectError(
        await t.app.inject({ method: 'DELETE', url: `${PHRASE}/api2/v1/async/${UNKNOWN}`, headers: auth(t.admin) }),
        404,
        'ResourceNotFound',
      );
      expectError(await t.app.inject({ method: 'GET', url: '/compat/phrase/other' }), 404, 'ResourceNotFound');
    });
  });
});

describe.each(DIALECTS)('Phrase TMS mounted at the root on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { compatAtRoot: ['phrase'] });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('serves /web/api2/… beside the native API', async () => {
    const p = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Root' } })).json();
    const res = await t.app.inject({
      method: 'GET',
      url: `/web/api2/v2/projects/${p.id}/jobs`,
      headers: { authorization: `ApiToken ${t.admin}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ totalElements: 0, content: [] });
  });
});
