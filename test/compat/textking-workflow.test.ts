import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { startReceiver, until, type Receiver } from '../events/receiver.js';
import { act, provider } from '../people/helpers.js';
import { Worker } from '../../src/engine/worker.js';
import * as schemas from './schemas/textking.js';
import { validator } from './schemas/validate.js';

// TextKing's whole workflow, with requests shaped exactly as its PHP client (TextKing/textking-api-php,
// vendored api.json) sends them: Guzzle's default headers (Accept: application/json, Accept-Language,
// Authorization: Bearer), the models' toArray() bodies with null for every member the caller left
// unset, and the document as the raw body in its Content-Type.

const TK = '/compat/textking/v1';
const expectValid = validator([
  schemas.link,
  schemas.job,
  schemas.jobList,
  schemas.project,
  schemas.projectList,
  schemas.error,
  schemas.topic,
  schemas.topicList,
  schemas.language,
  schemas.languageList,
  schemas.lineItem,
  schemas.lineItemList,
]);

interface Operation {
  httpMethod: string;
  uri: string;
}
const API = JSON.parse(readFileSync(new URL('./schemas/vendor/textking-api.json', import.meta.url), 'utf8')) as {
  operations: Record<string, Operation>;
};

/** The request the PHP client makes for an api.json operation, its URI parameters filled in. */
function operation(name: string, params: Record<string, string> = {}): { method: string; url: string } {
  const op = API.operations[name];
  if (op === undefined) throw new Error(`api.json has no operation ${name}`);
  const uri = op.uri.replace(/\{(\w+)\}/g, (_m, key: string) => encodeURIComponent(params[key]!));
  return { method: op.httpMethod, url: `${TK}/${uri}` };
}

describe.each(DIALECTS)('TextKing workflow as its PHP client drives it on %s', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, {
      policy: { webhookAllowPrivate: true },
      webhooks: { retryDelaysMs: [20, 20, 20], pollMs: 50, dispatcher: { pollMs: 50 } },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  function send(name: string, params: Record<string, string>, body?: unknown, contentType?: string) {
    const { method, url } = operation(name, params);
    const raw = typeof body === 'string' || Buffer.isBuffer(body);
    return t.app.inject({
      method: method as 'GET',
      url,
      headers: {
        accept: 'application/json',
        'accept-language': 'en',
        authorization: `Bearer ${t.admin}`,
        ...(body !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: raw ? body : JSON.stringify(body) } : {}),
    });
  }

  it_('creates a project and a job, uploads, follows the states, downloads and gets callbacks', async () => {
    // Project::toArray() and Job::toArray(): every member, null where the caller set nothing.
    const project = await send(
      'CreateProject',
      {},
      {
        name: 'Alice in Wonderland',
        due_date: null,
        state: null,
        coupon_name: null,
        affiliate_id: null,
        billing_address: null,
      },
    );
    expect(project.statusCode, project.body).toBe(201);
    expectValid('textking-project', project.json());
    const projectId = project.json().id as string;
    const job = await send(
      'CreateJob',
      { projectId },
      {
        name: 'Alice-de.txt German > English',
        source_language: 'de',
        target_language: 'en',
        quality: 'translation',
        topic: null,
        briefing: null,
        is_active: null,
      },
    );
    expect(job.statusCode, job.body).toBe(201);
    expectValid('textking-job', job.json());
    expect(job.json()).toMatchObject({ state: 'new', is_active: true });
    const jobId = job.json().id as string;

    // The customer's price for the pair, set through the native API, prices the job when it is imported.
    await t.call({
      method: 'PUT',
      url: `/v1/projects/${projectId}/rates`,
      payload: { rates: [{ source_language: 'de', target_language: 'en', price_per_word: 0.1, currency: 'EUR' }] },
    });
    const upload = await send(
      'UploadDocument',
      { projectId, jobId, documentName: 'Alice-de.txt' },
      'Alice war es leid, neben ihrer Schwester zu sitzen.',
      'text/plain',
    );
    expect(upload.statusCode, upload.body).toBe(201);
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      const importJobId = (await t.call({ method: 'GET', url: `/v1/jobs/${jobId}` })).json().people.import_job_id;
      await t.finished(importJobId);
    } finally {
      await worker.stop(1000);
    }
    const counted = await send('GetJob', { projectId, jobId });
    expectValid('textking-job', counted.json());
    expect(counted.json().words).toBeGreaterThan(0);
    expect(counted.json()).toMatchObject({ currency: 'EUR', net_price: expect.any(Number) });
    const lineItems = await send('GetProjectLineItems', { projectId });
    expect(lineItems.statusCode, lineItems.body).toBe(200);
    expectValid('textking-line-item-list', lineItems.json());
    expect(lineItems.json().items).toEqual([
      { id: jobId, description: 'Alice-de.txt German > English', currency: 'EUR', value: counted.json().net_price },
    ]);
    expect((await send('GetProject', { projectId })).json().net_price).toBe(counted.json().net_price);

    // Callback::toArray(): url, state (unset: null), trigger_state, extra_data.
    for (const trigger of ['translation-delivered', 'completed']) {
      const registered = await send(
        'CreateJobCallback',
        { projectId, jobId },
        {
          url: `${receiver.url}/${trigger}`,
          state: null,
          trigger_state: trigger,
          extra_data: `order-17/${trigger}`,
        },
      );
      expect(registered.statusCode, registered.body).toBe(200);
    }
    const callbacks = await send('GetJobCallbacks', { projectId, jobId });
    expect(callbacks.json().items).toHaveLength(2);

    // Renaming: the fetched project sent whole, its unset state null.
    const renamed = await send(
      'UpdateProject',
      { projectId },
      {
        name: 'Alice (German)',
        due_date: null,
        state: null,
        coupon_name: null,
        affiliate_id: null,
        billing_address: null,
      },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Alice (German)', state: 'prepared' });

    // Ordering: the fetched project with its state set, sent whole as UpdateProject.
    const fetched = (await send('GetProject', { projectId })).json();
    const started = await send(
      'UpdateProject',
      { projectId },
      {
        name: fetched.name,
        due_date: fetched.due_date,
        state: 'running',
        coupon_name: fetched.coupon_name,
        affiliate_id: fetched.affiliate_id,
        billing_address: fetched.billing_address,
      },
    );
    expect(started.statusCode, started.body).toBe(200);
    expectValid('textking-project', started.json());
    expect(started.json().state).toBe('running');
    const state = async () => {
      const res = await send('GetJob', { projectId, jobId });
      expectValid('textking-job', res.json());
      return res.json().state as string;
    };
    expect(await state()).toBe('translation-pending');

    // The translator works through the native API.
    const translator = await provider(t, 'Tom');
    expect((await act(t, jobId, 'offer', { payload: { providers: [translator.ref] } })).statusCode).toBe(200);
    expect((await act(t, jobId, 'accept', { token: translator.token })).statusCode).toBe(200);
    const delivered = await t.call({
      method: 'POST',
      url: `/v1/jobs/${jobId}/deliver/file?name=Alice-en.txt`,
      token: translator.token,
      headers: { 'content-type': 'text/plain' },
      payload: 'Alice was beginning to get very tired of sitting by her sister.',
    });
    expect(delivered.statusCode, delivered.body).toBe(200);
    expect(await state()).toBe('translation-delivered');

    const translation = await send('DownloadTranslation', { projectId, jobId });
    expect(translation.statusCode).toBe(200);
    expect(translation.body).toBe('Alice was beginning to get very tired of sitting by her sister.');
    expect(translation.headers['content-disposition']).toBe('attachment; filename=Alice-en.txt');
    const document = await send('DownloadDocument', { projectId, jobId });
    expect(document.body).toBe('Alice war es leid, neben ihrer Schwester zu sitzen.');

    expect((await act(t, jobId, 'accept_delivery')).statusCode, 'accept the delivery').toBe(200);
    expect(await state()).toBe('completed');
    await until('both callbacks', () => (receiver.received.length >= 2 ? true : undefined));
    const fields = receiver.received.map((r) => ({ path: r.path, ...Object.fromEntries(new URLSearchParams(r.body)) }));
    expect(fields).toEqual([
      {
        path: '/translation-delivered',
        project_id: projectId,
        job_id: jobId,
        extra_data: 'order-17/translation-delivered',
      },
      { path: '/completed', project_id: projectId, job_id: jobId, extra_data: 'order-17/completed' },
    ]);

    // The topic and language links of the job resolve through the client's own operations.
    const language = await send('GetLanguage', { code: counted.json().source_language });
    expectValid('textking-language', language.json());
    const topics = await send('GetTopics', {});
    expectValid('textking-topic-list', topics.json());
    const topic = await send('GetTopic', { topicId: topics.json().items[0].id });
    expectValid('textking-topic', topic.json());
  });

  it_('serves only api.json operations, and answers the ones it does not serve with 404 in its body', async () => {
    const p = (await send('CreateProject', {}, { name: 'Coverage' })).json();
    const unserved = ['GetProjectCoupon'];
    for (const name of unserved) {
      const res = await send(name, { projectId: p.id });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(404);
      expectValid('textking-error', res.json());
    }
    // Line items: TextKing's 400 for an id that is not a UUID or a bad page, 404 for an unknown project.
    for (const [params, query, status] of [
      [{ projectId: 'nope' }, '', 400],
      [{ projectId: '0193a0b4-0000-7000-8000-000000000000' }, '', 404],
      [{ projectId: p.id }, '?per_page=0', 400],
    ] as const) {
      const { url } = operation('GetProjectLineItems', params);
      const res = await t.app.inject({
        method: 'GET',
        url: `${url}${query}`,
        headers: { authorization: `Bearer ${t.admin}` },
      });
      expect(res.statusCode, res.body).toBe(status);
      expectValid('textking-error', res.json());
    }
    // Every other operation of the client has a route (a 404 here would be the unknown-route answer).
    for (const name of Object.keys(API.operations).filter((n) => !unserved.includes(n))) {
      const res = await send(name, {
        projectId: p.id,
        jobId: p.id,
        callbackId: p.id,
        documentName: 'a.txt',
        topicId: 'x',
        code: 'de',
        addressId: p.id,
      });
      // DeleteProject answers 204 without a body (and the operations after it 404: no such project).
      expect(res.body === '' ? '' : (res.json().message ?? ''), name).not.toMatch(/^There is no /);
      expect(res.statusCode, name).toBeLessThan(500);
    }
  });
});
