import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { Worker } from '../../src/engine/worker.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import * as schemas from './schemas/phrase.js';
import { expectPhrase } from './schemas/phrase-tms.js';
import { validator } from './schemas/validate.js';

// Update target as Phrase's generated client sends it: the file as an application/octet-stream body,
// named in Content-Disposition, the job in the Memsource header. The file is the job's delivery.

const expectValid = validator([schemas.phraseError]);
const PHRASE = '/compat/phrase/web';
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expectValid('phrase-error', res.json());
  expect(res.json().errorCode).toBe(code);
}

describe.each(DIALECTS)('Phrase TMS update target on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  function send(method: string, path: string, body?: unknown) {
    return t.app.inject({
      method: method as 'GET',
      url: `${PHRASE}${path}`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  async function runQueue(): Promise<void> {
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      for (let i = 0; i < 400; i++) {
        if ((await send('GET', '/api2/v1/async')).json().totalElements === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the queue did not empty');
    } finally {
      await worker.stop(1000);
    }
  }

  function upload(path: string, memsource: unknown, options: { filename?: string | null; body?: string } = {}) {
    return t.app.inject({
      method: 'POST',
      url: `${PHRASE}${path}`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        'content-type': 'application/octet-stream',
        ...(memsource === undefined
          ? {}
          : { memsource: typeof memsource === 'string' ? memsource : JSON.stringify(memsource) }),
        ...(options.filename === null
          ? {}
          : { 'content-disposition': `filename*=UTF-8''${options.filename ?? 'page.txt'}` }),
      },
      payload: options.body ?? 'Hallo Welt.\n',
    });
  }

  it_('delivers the uploaded file as the job target; refuses bad updates in Phrase error bodies', async () => {
    const project = await send('POST', '/api2/v3/projects', { name: 'Targets', sourceLang: 'en', targetLangs: ['de'] });
    const p = project.json<{ uid: string }>().uid;
    const created = await upload(`/api2/v1/projects/${p}/jobs`, { targetLangs: ['de'] }, { body: 'Hello world.\n' });
    expect(created.statusCode, created.body).toBe(201);
    const uid = created.json().jobs[0].uid as string;
    const target = (memsource: unknown, options?: { filename?: string | null; body?: string }) =>
      upload(`/api2/v1/projects/${p}/jobs/target`, memsource, options);

    // Not imported yet, then imported but not taken: no target yet.
    expectError(await target({ jobs: [{ uid }] }), 400, 'JOB_NOT_READY');
    await runQueue();
    expectError(await target({ jobs: [{ uid }] }), 400, 'InvalidArguments');
    const accepted = await send('POST', `/api2/v1/projects/${p}/jobs/${uid}/setStatus`, {
      requestedStatus: 'ACCEPTED',
    });
    expect(accepted.statusCode, accepted.body).toBe(204);

    // Bad input first: nothing is delivered.
    expectError(await target(undefined), 400, 'InvalidArguments');
    expectError(await target('{"jobs":'), 400, 'InvalidArguments');
    expectError(await target({ jobs: [] }), 400, 'InvalidArguments');
    expectError(await target({ jobs: [{ uid }, { uid: UNKNOWN }] }), 400, 'InvalidArguments');
    expectError(await target({ jobs: [{ uid }] }, { filename: null }), 400, 'InvalidArguments');
    expectError(await target({ jobs: [{ uid }] }, { filename: 'page.docx' }), 400, 'InvalidArguments');
    expectError(await target({ jobs: [{ uid: UNKNOWN }] }), 404, 'ResourceNotFound');
    expectError(await target({ jobs: [{ uid }] }, { body: '' }), 400, 'InvalidArguments');
    expectError(await upload(`/api2/v1/projects/${UNKNOWN}/jobs/target`, { jobs: [{ uid }] }), 404, 'ResourceNotFound');
    expect((await send('GET', `/api2/v1/projects/${p}/jobs/${uid}`)).json().status).toBe('ACCEPTED');

    const res = await target({ jobs: [{ uid }], propagateConfirmedToTm: true });
    expect(res.statusCode, res.body).toBe(200);
    expectPhrase('JobUpdateSourceResponseDto', res.json());
    expect(res.json().asyncRequest.action).toBe('UPDATE_TARGET');
    expect(res.json().jobs).toEqual([expect.objectContaining({ uid, status: 'DELIVERED', targetLang: 'de' })]);
    expect((await send('GET', `/api2/v1/projects/${p}/jobs/${uid}`)).json().status).toBe('DELIVERED');
    const file = await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/targetFile`);
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe('Hallo Welt.\n');
    // The delivery is in the job's native timeline, as a provider's would be.
    const native = await t.app.inject({
      method: 'GET',
      url: `/v1/jobs/${uid}`,
      headers: { authorization: `Bearer ${t.admin}` },
    });
    expect(native.json()).toMatchObject({ status: 'delivered', status_reason: 'delivered' });

    // Delivered: a second target waits until the job is taken again.
    expectError(await target({ jobs: [{ uid }] }, { body: 'Hallo noch einmal.\n' }), 400, 'InvalidArguments');
    expect(
      (await send('POST', `/api2/v1/projects/${p}/jobs/${uid}/setStatus`, { requestedStatus: 'ACCEPTED' })).statusCode,
    ).toBe(204);
    const again = await target({ jobs: [{ uid }] }, { body: 'Hallo noch einmal.\n' });
    expect(again.statusCode, again.body).toBe(200);
    expect((await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/targetFile`)).body).toBe('Hallo noch einmal.\n');
  });
});
