import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { expectPhrase } from './schemas/phrase-tms.js';

// A translation client's whole Phrase TMS workflow, each request shaped as the generated client
// phrasetms-client 1.0.0 sends it (its api/*.py): `Authorization: ApiToken <token>`, its User-Agent,
// `Accept: application/json`, JSON bodies as application/json, Create job's file as
// application/octet-stream with the `Memsource` and `Content-Disposition` headers, ids in the path
// as the client's types allow (asyncRequestId an integer). Every answer is validated against Phrase's
// schemas as embedded in that client.

const PHRASE = '/compat/phrase/web';
const USER_AGENT = 'Phrase-TMS_Python-Client-(https://github.com/Martin005/phrasetms-python)';
const SOURCE = 'Hello world.\n\nThe job failed.\n\nSomething nobody translated yet.\n';
const XLIFF = `<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="de">
  <file id="f1"><unit id="a"><segment><source>Hello world.</source><target>Hallo Welt.</target></segment></unit>
  <unit id="b"><segment><source>The job failed.</source><target>Der Auftrag ist fehlgeschlagen.</target></segment></unit></file>
</xliff>`;

describe.each(DIALECTS)('Phrase TMS client workflow on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  function send(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method,
      url: `${PHRASE}${path}`,
      query,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        'user-agent': USER_AGENT,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  /** Polls Get asynchronous request, as a client does, until asyncResponse is set. */
  async function poll(id: string) {
    expect(id).toMatch(/^\d+$/); // an int64 to the client
    for (let i = 0; i < 400; i++) {
      const res = await send('GET', `/api2/v1/async/${Number(id)}`);
      expect(res.statusCode, res.body).toBe(200);
      expectPhrase('AsyncRequestDto', res.json());
      if (res.json().asyncResponse !== null) return res.json();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`async request ${id} did not finish`);
  }

  it_('creates a project and jobs, polls the import, pre-translates, completes and downloads the target', async () => {
    // A translation memory: an earlier bilingual file of the workspace.
    const xliff = await t.call({
      method: 'POST',
      url: '/v1/files?name=memory.xlf',
      headers: { 'content-type': 'application/xliff+xml' },
      payload: XLIFF,
    });
    const memory = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'document-import', input: { file_id: xliff.json().id } },
    });
    await t.finished(memory.json().id);

    // Create project (v3): the body of CreateProjectV3Dto.
    const created = await send('POST', '/api2/v3/projects', {
      name: 'Website',
      sourceLang: 'en',
      targetLangs: ['de', 'fr'],
      workflowSteps: [{ id: 'translation' }],
      note: 'Spring release',
    });
    expect(created.statusCode, created.body).toBe(201);
    expectPhrase('AdminProjectManagerV2', created.json());
    const project = created.json();
    expect(project).toMatchObject({
      name: 'Website',
      sourceLang: 'en',
      targetLangs: ['de', 'fr'],
      status: 'NEW',
      note: 'Spring release',
      userRole: 'ADMIN',
      workflowSteps: [{ id: 1, name: 'translation', workflowLevel: 1 }],
    });
    const got = await send('GET', `/api2/v1/projects/${project.uid}`);
    expectPhrase('AdminProjectManager', got.json());
    expect(got.json()).toEqual(project);
    const steps = await send('GET', `/api2/v2/projects/${project.uid}/workflowSteps`);
    expectPhrase('ProjectWorkflowStepListDtoV2', steps.json());
    const listed = await send('GET', '/api2/v1/projects', undefined, { pageNumber: '0', pageSize: '50' });
    expectPhrase('PageDtoAbstractProjectDto', listed.json());
    expect(listed.json().content.map((p: { uid: string }) => p.uid)).toContain(project.uid);

    // Create job: the file as the body, its settings in the Memsource header.
    const job = await t.app.inject({
      method: 'POST',
      url: `${PHRASE}/api2/v1/projects/${project.uid}/jobs`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        'user-agent': USER_AGENT,
        accept: 'application/json',
        'content-type': 'application/octet-stream',
        memsource: JSON.stringify({ targetLangs: ['de'], workflowSettings: [{ id: '1' }] }),
        'content-disposition': "filename*=UTF-8''Home%20page.txt",
      },
      payload: SOURCE,
    });
    expect(job.statusCode, job.body).toBe(201);
    expectPhrase('JobListDto', job.json());
    const { jobs, asyncRequest } = job.json();
    expect(asyncRequest.action).toBe('IMPORT_JOB');
    const uid = jobs[0].uid as string;

    // Poll the import, then Get job until importStatus is OK; sourceLang comes from the project.
    expect((await poll(asyncRequest.id)).asyncResponse.errorCode).toBeUndefined();
    const part = await send('GET', `/api2/v1/projects/${project.uid}/jobs/${uid}`);
    // serverTaskId is declared by the seed's newer JobPartExtendedDtoV1 (test/compat/schemas), not here.
    expectPhrase('JobPartExtendedDto', part.json(), ['serverTaskId']);
    expect(part.json()).toMatchObject({ importStatus: { status: 'OK' }, sourceLang: 'en', targetLang: 'de' });

    // Pre-translate at v2, the version the generated client calls; the answer is 202 with the request.
    const pre = await send('POST', `/api2/v2/projects/${project.uid}/jobs/preTranslate`, {
      jobs: [{ uid }],
      preTranslateSettings: { translationMemorySettings: { useTranslationMemory: true } },
    });
    expect(pre.statusCode, pre.body).toBe(202);
    expectPhrase('AsyncRequestWrapperV2Dto', pre.json());
    expect(pre.json().asyncRequest.action).toBe('PRE_TRANSLATE');
    const preDone = await poll(pre.json().asyncRequest.id);
    expect(preDone.asyncResponse.errorCode).toBeUndefined();

    // Set status: accepted, then completed by the linguist; the history shows each step.
    for (const requestedStatus of ['ACCEPTED', 'COMPLETED']) {
      const res = await send('POST', `/api2/v1/projects/${project.uid}/jobs/${uid}/setStatus`, { requestedStatus });
      expect(res.statusCode, res.body).toBe(204);
    }
    const history = await send('GET', `/api2/v1/projects/${project.uid}/jobs/${uid}/statusChanges`);
    expectPhrase('JobPartStatusChangesDto', history.json());
    expect(history.json().statusChanges.map((c: { status: string }) => c.status)).toEqual([
      'NEW',
      'ACCEPTED',
      'DELIVERED',
      'COMPLETED',
    ]);

    // Download target file (async, v2): start it, poll it, download it.
    const start = await send('PUT', `/api2/v2/projects/${project.uid}/jobs/${uid}/targetFile`);
    expect(start.statusCode, start.body).toBe(202);
    expectPhrase('AsyncRequestWrapperV2Dto', start.json());
    const exportId = start.json().asyncRequest.id as string;
    expect((await poll(exportId)).action).toBe('EXPORT_COMPLETE_FILE');
    const target = await send(
      'GET',
      `/api2/v2/projects/${project.uid}/jobs/${uid}/downloadTargetFile/${Number(exportId)}`,
      undefined,
      { format: 'ORIGINAL' },
    );
    expect(target.statusCode, target.body).toBe(200);
    expect(target.headers['content-disposition']).toBe('attachment; filename="Home_page_de.txt"');
    expect(target.body).toBe('Hallo Welt.\n\nDer Auftrag ist fehlgeschlagen.\n\nSomething nobody translated yet.\n');
    const original = await send('GET', `/api2/v1/projects/${project.uid}/jobs/${uid}/original`);
    expect(original.statusCode).toBe(200);
    expect(original.body).toBe(SOURCE);
  });
});
