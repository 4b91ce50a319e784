import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Worker } from '../../src/engine/worker.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { provider } from '../people/helpers.js';
import * as schemas from './schemas/phrase.js';
import { expectPhrase } from './schemas/phrase-tms.js';
import { validator } from './schemas/validate.js';

// Phrase projects, the List jobs filters, pending async requests, pre-translate v1, edit, batch,
// search, notify and files: answers valid against Phrase's schemas, bad input in Phrase's error body.

const expectValid = validator([schemas.phraseError]);
const PHRASE = '/compat/phrase/web';
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';
const HOUR = 3_600_000;

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expectValid('phrase-error', res.json());
  expect(res.json().errorCode).toBe(code);
}

describe.each(DIALECTS)('Phrase TMS operations on %s', (dialect) => {
  let t: TestApp;
  // No worker in the background: imports stay pending until a test runs the queue.
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function runQueue(): Promise<void> {
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      for (let i = 0; i < 400; i++) {
        const pending = (await send('GET', '/api2/v1/async')).json();
        if (pending.totalElements === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the queue did not empty');
    } finally {
      await worker.stop(1000);
    }
  }

  function send(method: string, path: string, body?: unknown, query?: Record<string, string>) {
    return t.app.inject({
      method: method as 'GET',
      url: `${PHRASE}${path}`,
      query,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  async function phraseProject(name: string, extra: Record<string, unknown> = {}) {
    const res = await send('POST', '/api2/v3/projects', {
      name,
      sourceLang: 'en',
      targetLangs: ['de', 'fr'],
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ uid: string; internalId: number }>();
  }

  function createJobs(projectUid: string, memsource: unknown, filename = 'a.txt') {
    return t.app.inject({
      method: 'POST',
      url: `${PHRASE}/api2/v1/projects/${projectUid}/jobs`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        'content-type': 'application/octet-stream',
        memsource: JSON.stringify(memsource),
        'content-disposition': `filename*=UTF-8''${filename}`,
      },
      payload: 'Hello world.\n',
    });
  }

  it_('creates, reads and lists projects; refuses bad projects in Phrase error bodies', async () => {
    const p = await phraseProject('Catalogue', { workflowSteps: [{ id: 'Translation' }, { id: 'revision' }] });
    const got = await send('GET', `/api2/v1/projects/${p.uid}`);
    expectPhrase('AdminProjectManager', got.json());
    expect(got.json().workflowSteps.map((s: { name: string }) => s.name)).toEqual(['translation', 'revision']);
    const stepped = (await createJobs(p.uid, { targetLangs: ['de'] })).json();
    const revision = stepped.jobs.find((j: { workflowLevel: number }) => j.workflowLevel === 2);
    const step = await send('GET', `/api2/v1/projects/${p.uid}/jobs/${revision.uid}/workflowStep`);
    expectPhrase('ProjectWorkflowStepDto', step.json());
    expect(step.json()).toMatchObject({ id: 2, name: 'revision', workflowLevel: 2 });
    expectError(await send('GET', `/api2/v1/projects/${p.uid}/jobs/${UNKNOWN}/workflowStep`), 404, 'ResourceNotFound');
    const v1 = await send('POST', '/api2/v1/projects', { name: 'Old client', sourceLang: 'en', targetLangs: ['it'] });
    expect(v1.statusCode, v1.body).toBe(201);
    expectPhrase('AdminProjectManager', v1.json());
    const page = await send('GET', '/api2/v1/projects', undefined, { pageSize: '1' });
    expectPhrase('PageDtoAbstractProjectDto', page.json());
    expect(page.json()).toMatchObject({ pageSize: 1, numberOfElements: 1 });
    expect(page.json().totalElements).toBeGreaterThanOrEqual(2);

    const bad = [
      {},
      { name: '', sourceLang: 'en', targetLangs: ['de'] },
      { name: 'x'.repeat(256), sourceLang: 'en', targetLangs: ['de'] },
      { name: 'No source', targetLangs: ['de'] },
      { name: 'Bad source', sourceLang: 'english!', targetLangs: ['de'] },
      { name: 'No targets', sourceLang: 'en', targetLangs: [] },
      { name: 'Bad target', sourceLang: 'en', targetLangs: [7] },
      { name: 'Numeric step', sourceLang: 'en', targetLangs: ['de'], workflowSteps: [{ id: '7' }] },
      { name: 'Twice', sourceLang: 'en', targetLangs: ['de'], workflowSteps: [{ id: 'a' }, { id: 'a' }] },
      { name: 'Note', sourceLang: 'en', targetLangs: ['de'], note: 5 },
      [],
      '{"name":',
    ];
    for (const body of bad) expectError(await send('POST', '/api2/v3/projects', body), 400, 'InvalidArguments');
    expectError(await send('GET', `/api2/v1/projects/${UNKNOWN}`), 404, 'ResourceNotFound');
    expectError(await send('GET', '/api2/v1/projects/not-a-uid'), 404, 'ResourceNotFound');
    expectError(await send('GET', '/api2/v1/projects', undefined, { pageSize: '51' }), 400, 'InvalidArguments');
    // Create job keeps to the project's target languages; a step is named by its name or integer id.
    expectError(await createJobs(p.uid, { targetLangs: ['es'] }), 400, 'JobCreateError');
    const byId = await createJobs(p.uid, { targetLangs: ['de'], workflowSettings: [{ id: '2', assignments: [] }] });
    expect(byId.statusCode, byId.body).toBe(201);
    expectError(
      await createJobs(p.uid, { targetLangs: ['de'], workflowSettings: [{ id: '3' }] }),
      400,
      'JobCreateError',
    );
  });

  it_('filters List jobs by targetLang, filename, assignee and due date, and counts', async () => {
    const lena = await provider(t, 'Lena');
    const agency = await provider(t, 'Agency', 'vendor');
    const p = await phraseProject('Filters');
    const due = new Date(Date.now() + 2 * HOUR).toISOString();
    const assignments = [
      { targetLang: 'de', providers: [{ id: lena.id, type: 'USER' }] },
      { targetLang: 'fr', providers: [{ id: agency.id, type: 'VENDOR' }] },
    ];
    expect((await createJobs(p.uid, { targetLangs: ['de', 'fr'], due, assignments }, 'a.txt')).statusCode).toBe(201);
    expect((await createJobs(p.uid, { targetLangs: ['de', 'fr'] }, 'b.txt')).statusCode).toBe(201);
    const list = async (query: Record<string, string>) => {
      const res = await send('GET', `/api2/v2/projects/${p.uid}/jobs`, undefined, query);
      expect(res.statusCode, res.body).toBe(200);
      expectPhrase('PageDtoJobPartReferenceV2', res.json());
      return res.json();
    };
    const names = (page: { content: { filename: string; targetLang: string }[] }) =>
      page.content.map((j) => `${j.filename}>${j.targetLang}`).sort();
    expect(names(await list({}))).toEqual(['a.txt>de', 'a.txt>fr', 'b.txt>de', 'b.txt>fr']);
    expect(names(await list({ targetLang: 'DE' }))).toEqual(['a.txt>de', 'b.txt>de']);
    expect(names(await list({ filename: 'a.txt' }))).toEqual(['a.txt>de', 'a.txt>fr']);
    expect(names(await list({ assignedUser: lena.id }))).toEqual(['a.txt>de']);
    expect(names(await list({ assignedVendor: agency.id }))).toEqual(['a.txt>fr']);
    expect(names(await list({ assignedVendor: lena.id }))).toEqual([]); // Lena is a user
    expect(names(await list({ assignedUser: '12345' }))).toEqual([]); // Phrase's numeric ids name no one here
    expect(names(await list({ dueInHours: '3' }))).toEqual(['a.txt>de', 'a.txt>fr']);
    expect(names(await list({ dueInHours: '1' }))).toEqual([]);
    expect(names(await list({ dueInHours: '-1' }))).toEqual([]);
    expect(names(await list({ targetLang: 'fr', status: 'NEW', filename: 'b.txt' }))).toEqual(['b.txt>fr']);
    const counted = await list({ count: 'true', targetLang: 'de' });
    expect(counted).toMatchObject({ totalElements: 2, numberOfElements: 0 });
    expect(counted.content).toBeUndefined();
    const badQueries: Record<string, string>[] = [
      { targetLang: 'd e' },
      { dueInHours: 'soon' },
      { dueInHours: '-2' },
      { count: 'maybe' },
    ];
    for (const query of badQueries)
      expectError(await send('GET', `/api2/v2/projects/${p.uid}/jobs`, undefined, query), 400, 'InvalidArguments');
  });

  it_('lists pending async requests and finds them by integer id or UUID, pre-translates at v1', async () => {
    const p = await phraseProject('Async');
    const created = (await createJobs(p.uid, { targetLangs: ['de'] })).json();
    const id = created.asyncRequest.id as string;
    expect(id).toBe(String(p.internalId * 1e9 + 1)); // project number × 10^9 + the import's number
    const pending = await send('GET', '/api2/v1/async', undefined, { all: 'true' });
    expectPhrase('PageDtoAsyncRequestDto', pending.json());
    expect(pending.json().content.map((r: { id: string }) => r.id)).toContain(id);
    const part = (await send('GET', `/api2/v1/projects/${p.uid}/jobs/${created.jobs[0].uid}`)).json();
    const byUuid = await send('GET', `/api2/v1/async/${part.serverTaskId}`);
    expectPhrase('AsyncRequestDto', byUuid.json());
    expect(byUuid.json().id).toBe(id);
    for (const bad of ['abc', '99999999999', '0', '1234567890123456789'])
      expectError(await send('GET', `/api2/v1/async/${bad}`), 404, 'ResourceNotFound');
    expectError(await send('GET', '/api2/v1/async', undefined, { pageSize: '0' }), 400, 'InvalidArguments');

    const body = { jobs: [{ uid: created.jobs[0].uid }] };
    expectError(await send('POST', `/api2/v1/projects/${p.uid}/jobs/preTranslate`, body), 400, 'JOB_NOT_READY');
    await runQueue();
    const v1 = await send('POST', `/api2/v1/projects/${p.uid}/jobs/preTranslate`, body);
    expect(v1.statusCode, v1.body).toBe(202);
    expectPhrase('AsyncRequestWrapperDto', v1.json());
    for (const version of ['v1', 'v2']) {
      const path = `/api2/${version}/projects/${p.uid}/jobs/preTranslate`;
      expectError(await send('POST', path, {}), 400, 'InvalidArguments');
      expectError(await send('POST', path, { jobs: [{ uid: 5 }] }), 400, 'InvalidArguments');
      expectError(await send('POST', path, { ...body, callbackUrl: 5 }), 400, 'InvalidArguments');
      expectError(await send('POST', path, { ...body, preTranslateSettings: [] }), 400, 'InvalidArguments');
      expectError(await send('POST', path, { jobs: [{ uid: UNKNOWN }] }), 404, 'ResourceNotFound');
    }
    await runQueue();
  });

  it_('edits jobs (PUT, PATCH, batch), deletes, searches and notifies; refuses bad edits', async () => {
    const lena = await provider(t, 'Lena');
    const p = await phraseProject('Edits');
    const created = (await createJobs(p.uid, { targetLangs: ['de', 'fr'] })).json();
    const [de, fr] = created.jobs.map((j: { uid: string }) => j.uid) as string[];
    await runQueue(); // a job is offered once its source is imported
    const path = (uid: string) => `/api2/v1/projects/${p.uid}/jobs/${uid}`;

    const due = '2027-01-15T09:00:00Z';
    const patched = await send('PATCH', path(de!), { dateDue: due, providers: [{ id: lena.id, type: 'USER' }] });
    expect(patched.statusCode, patched.body).toBe(200);
    expectPhrase('JobPartExtendedDto', patched.json(), ['serverTaskId']);
    expect(patched.json()).toMatchObject({ status: 'NEW', dateDue: due, providers: [{ type: 'USER', id: lena.id }] });

    // Notify assigned users: the job with a provider is offered (EMAILED); the other has no one to tell.
    const notified = await send('POST', `/api2/v1/projects/${p.uid}/jobs/notifyAssigned`, {
      jobs: [{ uid: de }, { uid: fr }],
      emailTemplate: { id: '1' },
    });
    expect(notified.statusCode, notified.body).toBe(204);
    const found = await send('POST', `/api2/v1/projects/${p.uid}/jobs/search`, {
      jobs: [{ uid: de }, { uid: fr }, { uid: UNKNOWN }],
    });
    expectPhrase('SearchJobsDto', found.json());
    expect(found.json().jobs.map((j: { uid: string; status: string }) => [j.uid, j.status])).toEqual([
      [de, 'EMAILED'],
      [fr, 'NEW'],
    ]);

    // PUT is the whole entity: what it leaves out is cleared.
    const put = await send('PUT', path(fr!), {
      status: 'NEW',
      dateDue: due,
      providers: [{ id: lena.id, type: 'user' }],
    });
    expect(put.statusCode, put.body).toBe(200);
    const cleared = await send('PUT', path(fr!), { status: 'new' });
    expect(cleared.json().dateDue).toBeUndefined();
    expect(cleared.json().providers).toEqual([]);

    const badEdits: [string, unknown][] = [
      ['PUT', {}],
      ['PUT', { status: 'DONE' }],
      ['PATCH', { dateDue: 'tomorrow' }],
      ['PATCH', { providers: [{ id: '4321', type: 'USER' }] }],
      ['PATCH', { providers: [{ id: lena.id, type: 'ROBOT' }] }],
      ['PATCH', { providers: 'Lena' }],
      ['PATCH', 'null'],
      ['PATCH', { status: 'DELIVERED' }], // NEW cannot be delivered
    ];
    for (const [method, body] of badEdits) expectError(await send(method, path(fr!), body), 400, 'InvalidArguments');
    expectError(await send('PATCH', path(UNKNOWN), { status: 'NEW' }), 404, 'ResourceNotFound');

    // Edit jobs (batch) and Delete job (batch).
    const batch = await send('PUT', `/api2/v1/projects/${p.uid}/jobs/batch`, {
      jobs: [{ uid: de }],
      status: 'CANCELLED',
    });
    expect(batch.statusCode, batch.body).toBe(200);
    expectPhrase('JobPartsDto', batch.json());
    expect(batch.json().jobs[0]).toMatchObject({ uid: de, status: 'CANCELLED' });
    const batchPath = `/api2/v1/projects/${p.uid}/jobs/batch`;
    expectError(await send('PUT', batchPath, { jobs: [], status: 'NEW' }), 400, 'InvalidArguments');
    expectError(await send('PUT', batchPath, { jobs: [{ uid: de }] }), 400, 'InvalidArguments');
    expectError(await send('DELETE', batchPath, { jobs: [{ uid: de }] }), 400, 'InvalidArguments'); // cancelled
    expectError(await send('DELETE', batchPath, { jobs: [{ uid: UNKNOWN }] }), 404, 'ResourceNotFound');
    expectError(await send('DELETE', batchPath, { jobs: 'all' }), 400, 'InvalidArguments');
    const deleted = await send('DELETE', batchPath, { jobs: [{ uid: fr }] });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expectError(await send('GET', path(fr!)), 404, 'ResourceNotFound');
    expectError(await send('POST', `/api2/v1/projects/${p.uid}/jobs/search`, { jobs: [] }), 400, 'InvalidArguments');
    expectError(await send('POST', `/api2/v1/projects/${p.uid}/jobs/notifyAssigned`, {}), 400, 'InvalidArguments');
    expectError(await send('GET', `${path(UNKNOWN)}/statusChanges`), 404, 'ResourceNotFound');
    await runQueue();
  });

  it_('serves the original and target files, and refuses what it cannot serve', async () => {
    const p = await phraseProject('Files');
    const created = (await createJobs(p.uid, { targetLangs: ['de'] }, 'page.txt')).json();
    const uid = created.jobs[0].uid as string;
    await runQueue();
    const base = `/api2/v1/projects/${p.uid}/jobs/${uid}`;
    const original = await send('GET', `${base}/original`);
    expect(original.statusCode).toBe(200);
    expect(original.body).toBe('Hello world.\n');
    // Nothing translated yet: the target is the source as it stands.
    const target = await send('GET', `${base}/targetFile`);
    expect(target.statusCode, target.body).toBe(200);
    expect(target.body).toBe('Hello world.\n');
    const start = await send('PUT', `/api2/v3/projects/${p.uid}/jobs/${uid}/targetFile`);
    expect(start.statusCode).toBe(202);
    const id = start.json().asyncRequest.id as string;
    const download = `/api2/v2/projects/${p.uid}/jobs/${uid}/downloadTargetFile`;
    expect((await send('GET', `${download}/${id}`)).statusCode).toBe(200);
    expectError(await send('GET', `${download}/${id}`, undefined, { format: 'PDF' }), 400, 'InvalidArguments');
    expectError(await send('GET', `${download}/${Number(id) + 1}`), 404, 'ResourceNotFound');

    // A Word document's target is what its provider delivers; none yet.
    const docx = (await createJobs(p.uid, { targetLangs: ['de'] }, 'deck.docx')).json();
    await runQueue();
    expectError(
      await send('GET', `/api2/v1/projects/${p.uid}/jobs/${docx.jobs[0].uid}/targetFile`),
      404,
      'ResourceNotFound',
    );
  });

  it_('updates the source of jobs from a new file, imported again; refuses bad updates', async () => {
    const p = await phraseProject('Sources');
    const created = (await createJobs(p.uid, { targetLangs: ['de', 'fr'] }, 'page.txt')).json();
    const [de, fr] = created.jobs.map((j: { uid: string }) => j.uid) as string[];
    await runQueue();
    const update = (memsource: unknown, options: { disposition?: string | null; body?: string } = {}) =>
      t.app.inject({
        method: 'POST',
        url: `${PHRASE}/api2/v1/projects/${p.uid}/jobs/source`,
        headers: {
          authorization: `ApiToken ${t.admin}`,
          'content-type': 'application/octet-stream',
          ...(memsource === undefined
            ? {}
            : { memsource: typeof memsource === 'string' ? memsource : JSON.stringify(memsource) }),
          ...(options.disposition === null
            ? {}
            : { 'content-disposition': options.disposition ?? "filename*=UTF-8''page.txt" }),
        },
        payload: options.body ?? 'Hello again.\n\nA new paragraph.\n',
      });
    const res = await update({ jobs: [{ uid: de }, { uid: fr }] });
    expect(res.statusCode, res.body).toBe(200);
    expectPhrase('JobUpdateSourceResponseDto', res.json());
    expect(res.json().jobs.map((j: { uid: string }) => j.uid)).toEqual([de, fr]);
    const running = (await send('GET', `/api2/v1/projects/${p.uid}/jobs/${de}`)).json();
    expect(running.importStatus.status).toBe('RUNNING');
    expect(running.updateSourceDate).toEqual(expect.any(String));
    await runQueue();
    const target = await send('GET', `/api2/v1/projects/${p.uid}/jobs/${de}/targetFile`);
    expect(target.body).toBe('Hello again.\n\nA new paragraph.\n');

    expectError(await update(undefined), 400, 'InvalidArguments');
    expectError(await update('{"jobs":'), 400, 'InvalidArguments');
    expectError(await update({ jobs: [] }), 400, 'InvalidArguments');
    expectError(await update({ jobs: [{ uid: de }] }, { disposition: null }), 400, 'InvalidArguments');
    expectError(await update({ jobs: [{ uid: UNKNOWN }] }), 404, 'ResourceNotFound');
    // A job that is taken (not continuous) takes no new source.
    const accepted = await send('POST', `/api2/v1/projects/${p.uid}/jobs/${de}/setStatus`, {
      requestedStatus: 'ACCEPTED',
    });
    expect(accepted.statusCode, accepted.body).toBe(204);
    expectError(await update({ jobs: [{ uid: de }] }), 400, 'InvalidArguments');
  });
});
