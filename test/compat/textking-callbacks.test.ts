import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { statesAfterEvents } from '../../src/compat/textking/callbacks.js';
import { hasEventsAfter, hasUnsettledEvents, readDispatchCursor } from '../../src/store/webhook-dispatch.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { startReceiver, until, type Receiver } from '../events/receiver.js';
import { act, provider } from '../people/helpers.js';

const TK = '/compat/textking/v1';
const BASE = `http://localhost:80${TK}`;
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';

function expectError(res: LightMyRequestResponse, status: number, message?: RegExp): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toEqual({ status, message: expect.any(String) });
  if (message !== undefined) expect(res.json().message).toMatch(message);
}

describe("TextKing states from a job's events", () => {
  it('follows status and reason, and counts the project as started from the first offer', () => {
    const states = statesAfterEvents([
      { seq: 1, name: 'job.created', data: { status: 'pending', status_reason: 'new' } },
      { seq: 2, name: 'job.action.offer', data: { action: 'offer', by: 'project_start' } },
      { seq: 3, name: 'job.pending', data: { status: 'pending', status_reason: 'offered' } },
      { seq: 4, name: 'job.running', data: { status: 'running', status_reason: 'accepted' } },
      { seq: 5, name: 'job.file.added', data: { file: {} } },
      { seq: 6, name: 'job.delivered', data: { status: 'delivered', status_reason: null } },
      { seq: 7, name: 'job.running', data: { status: 'running', status_reason: 'revision_requested' } },
      { seq: 8, name: 'job.succeeded', data: { status: 'succeeded', status_reason: null } },
    ]);
    expect([...states.values()]).toEqual([
      'new',
      'translation-pending',
      'translation-pending',
      'translation-pending',
      'translation-pending',
      'translation-delivered',
      'revision-requested',
      'completed',
    ]);
  });
});

describe.each(DIALECTS)('TextKing callbacks on %s', (dialect) => {
  let t: TestApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, {
      policy: { webhookAllowPrivate: true },
      // Three quick retries instead of Standard Webhooks' three days.
      webhooks: { retryDelaysMs: [20, 20, 20], pollMs: 50, dispatcher: { pollMs: 50 } },
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url: `${TK}${url}`,
      headers: {
        authorization: `Bearer ${t.admin}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });

  async function receiver(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  /** A TextKing project with one job. */
  async function projectWithJob(name: string): Promise<{ projectId: string; jobId: string }> {
    const p = await call('POST', '/projects', { name });
    expect(p.statusCode, p.body).toBe(201);
    const j = await call('POST', `/project/${p.json().id}/jobs`, {
      name: `${name}.docx`,
      source_language: 'de',
      target_language: 'en',
      quality: 'translation',
    });
    expect(j.statusCode, j.body).toBe(201);
    return { projectId: p.json().id, jobId: j.json().id };
  }

  async function register(projectId: string, jobId: string, body: Record<string, unknown>) {
    const res = await call('POST', `/project/${projectId}/job/${jobId}/callbacks`, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  /** Starts the project and takes its job through offer, accept and a delivered file (translation-delivered). */
  async function startAndDeliver(projectId: string, jobId: string): Promise<void> {
    const translator = await provider(t, `Translator of ${projectId}`);
    expect((await call('PUT', `/project/${projectId}`, { state: 'running' })).statusCode).toBe(200);
    expect((await act(t, jobId, 'offer', { payload: { providers: [translator.ref] } })).statusCode).toBe(200);
    expect((await act(t, jobId, 'accept', { token: translator.token })).statusCode).toBe(200);
    const delivered = await t.call({
      method: 'POST',
      url: `/v1/jobs/${jobId}/deliver/file?name=out.txt`,
      token: translator.token,
      headers: { 'content-type': 'text/plain' },
      payload: 'Hello.',
    });
    expect(delivered.statusCode, delivered.body).toBe(200);
  }

  /** Waits until the dispatcher has read every event and every delivery is finished: nothing more will be sent. */
  async function settled(): Promise<void> {
    const { store } = t.services;
    const db = store.db;
    await until('the dispatcher and sender to settle', async () => {
      const cursor = await readDispatchCursor(db);
      if ((await hasEventsAfter(db, store, cursor)) || (await hasUnsettledEvents(store, cursor))) return undefined;
      const open = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', 'in', ['pending', 'sending'])
        .limit(1)
        .executeTakeFirst();
      return open === undefined ? true : undefined;
    });
  }

  it_("registers, lists, reads, changes and deletes a job's callbacks", async () => {
    const { projectId, jobId } = await projectWithJob('Registering');
    const jobUrl = `${BASE}/project/${projectId}/job/${jobId}`;
    const res = await call('POST', `/project/${projectId}/job/${jobId}/callbacks`, {
      url: 'https://example.com/hook',
      trigger_state: 'translation-delivered',
      extra_data: 'order 42',
    });
    expect(res.statusCode, res.body).toBe(200);
    const created = res.json();
    expect(created).toEqual({
      id: expect.any(String),
      url: 'https://example.com/hook',
      trigger_state: 'translation-delivered',
      extra_data: 'order 42',
      links: [
        { rel: 'self', href: `${jobUrl}/callback/${created.id}` },
        { rel: 'urn:textking:job', href: jobUrl },
      ],
    });
    expect(res.headers.location).toBe(`${jobUrl}/callback/${created.id}`);
    // The wiki's second example: extra_data as an object is kept as its JSON.
    const second = await register(projectId, jobId, {
      url: 'https://example.com/other',
      trigger_state: 'completed',
      extra_data: { custom_value: 7 },
    });
    expect(second.extra_data).toBe('{"custom_value":7}');

    const list = await call('GET', `/project/${projectId}/job/${jobId}/callbacks?per_page=1`);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ page: 1, per_page: 1, total: 2, items: [created] });
    expect((await call('GET', `/project/${projectId}/job/${jobId}/callbacks?page=2&per_page=1`)).json().items).toEqual([
      second,
    ]);
    expect((await call('GET', `/project/${projectId}/job/${jobId}/callback/${created.id}`)).json()).toEqual(created);

    const changed = await call('PUT', `/project/${projectId}/job/${jobId}/callback/${created.id}`, {
      trigger_state: 'canceled',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toEqual({ ...created, trigger_state: 'canceled' });

    const xml = await t.app.inject({
      method: 'GET',
      url: `${TK}/project/${projectId}/job/${jobId}/callback/${second.id}`,
      headers: { authorization: `Bearer ${t.admin}`, accept: 'application/xml' },
    });
    expect(xml.body).toContain(
      `<callback><id>${second.id}</id><url>https://example.com/other</url><trigger_state>completed</trigger_state>`,
    );

    expect((await call('DELETE', `/project/${projectId}/job/${jobId}/callback/${created.id}`)).statusCode).toBe(204);
    expectError(await call('GET', `/project/${projectId}/job/${jobId}/callback/${created.id}`), 404);
    expectError(await call('DELETE', `/project/${projectId}/job/${jobId}/callback/${created.id}`), 404);
    expect((await call('GET', `/project/${projectId}/job/${jobId}/callbacks`)).json().total).toBe(1);
  });

  it_("refuses a bad URL, an unknown trigger state and ids that are not UUIDs with TextKing's 400", async () => {
    const { projectId, jobId } = await projectWithJob('Refusing');
    const path = `/project/${projectId}/job/${jobId}/callbacks`;
    expectError(
      await call('POST', path, { url: 'ftp://example.com/hook', trigger_state: 'completed' }),
      400,
      /url must use http or https/,
    );
    expectError(
      await call('POST', path, { url: 'not a url', trigger_state: 'completed' }),
      400,
      /url must be an absolute http or https URL/,
    );
    expectError(
      await call('POST', path, { url: 'https://user:secret@example.com/hook', trigger_state: 'completed' }),
      400,
      /credentials/,
    );
    expectError(await call('POST', path, { trigger_state: 'completed' }), 400, /url is required/);
    // A job is `new` only before anything happened to it: there is no change to that state to wait for.
    expectError(
      await call('POST', path, { url: 'https://example.com/hook', trigger_state: 'new' }),
      400,
      /trigger_state must be one of/,
    );
    expectError(
      await call('POST', path, { url: 'https://example.com/hook', trigger_state: 'done' }),
      400,
      /trigger_state/,
    );
    const { id } = await register(projectId, jobId, { url: 'https://example.com/hook', trigger_state: 'completed' });
    expectError(
      await call('PUT', `/project/${projectId}/job/${jobId}/callback/${id}`, { url: 'gopher://example.com' }),
      400,
      /url/,
    );
    expectError(await call('GET', `/project/${projectId}/job/${jobId}/callback/not-a-uuid`), 400);
    expectError(await call('GET', `/project/${projectId}/job/${jobId}/callback/${UNKNOWN}`), 404);
    expectError(await call('GET', `/project/${projectId}/job/${UNKNOWN}/callbacks`), 404);
    expect((await call('GET', path)).json().total).toBe(1);
  });

  it_('refuses a URL whose host is not public unless private addresses are allowed, as for webhooks', async () => {
    const strict = await testApp(dialect);
    try {
      const headers = {
        authorization: `Bearer ${strict.admin}`,
        accept: 'application/json',
        'content-type': 'application/json',
      };
      const p = await strict.app.inject({
        method: 'POST',
        url: `${TK}/projects`,
        headers,
        payload: JSON.stringify({ name: 'Strict' }),
      });
      const j = await strict.app.inject({
        method: 'POST',
        url: `${TK}/project/${p.json().id}/jobs`,
        headers,
        payload: JSON.stringify({
          name: 'a.docx',
          source_language: 'de',
          target_language: 'en',
          quality: 'translation',
        }),
      });
      const res = await strict.app.inject({
        method: 'POST',
        url: `${TK}/project/${p.json().id}/job/${j.json().id}/callbacks`,
        headers,
        payload: JSON.stringify({ url: 'http://127.0.0.1:9/hook', trigger_state: 'completed' }),
      });
      expectError(res, 400, /127\.0\.0\.1, which is not a public address/);
    } finally {
      await strict.close();
    }
  });

  it_(
    'POSTs the form-encoded project_id, job_id and extra_data once, when the job reaches the trigger state',
    async () => {
      const { projectId, jobId } = await projectWithJob('Delivering');
      const delivered = await receiver();
      const pending = await receiver();
      const completed = await receiver();
      await register(projectId, jobId, {
        url: `${delivered.url}/delivered`,
        trigger_state: 'translation-delivered',
        extra_data: 'order 42 & more',
      });
      await register(projectId, jobId, {
        url: `${pending.url}/pending`,
        trigger_state: 'translation-pending',
        extra_data: null,
      });
      await register(projectId, jobId, { url: `${completed.url}/completed`, trigger_state: 'completed' });
      await startAndDeliver(projectId, jobId);
      await until('the translation-delivered callback', () => (delivered.received.length > 0 ? true : undefined));
      await settled();

      expect(delivered.received).toHaveLength(1);
      const [r] = delivered.received;
      expect(r!.path).toBe('/delivered');
      expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(r!.headers['webhook-signature']).toBeUndefined();
      expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({
        project_id: projectId,
        job_id: jobId,
        extra_data: 'order 42 & more',
      });
      // The offer made it translation-pending; accepting keeps it so: one callback.
      expect(pending.received).toHaveLength(1);
      expect(Object.fromEntries(new URLSearchParams(pending.received[0]!.body))).toEqual({
        project_id: projectId,
        job_id: jobId,
        extra_data: '',
      });
      // Never completed.
      expect(completed.received).toHaveLength(0);
    },
  );

  it_('sends it again on the retry schedule when the receiver fails first', async () => {
    const { projectId, jobId } = await projectWithJob('Retrying');
    const flaky = await receiver((_r, index) => (index === 0 ? { status: 500, body: 'try again' } : { status: 200 }));
    await register(projectId, jobId, { url: flaky.url, trigger_state: 'translation-delivered', extra_data: 'x' });
    await startAndDeliver(projectId, jobId);
    await until('the second attempt', () => (flaky.received.length >= 2 ? true : undefined));
    await settled();
    expect(flaky.received).toHaveLength(2);
    expect(flaky.received[1]!.body).toBe(flaky.received[0]!.body);
    expect(Object.fromEntries(new URLSearchParams(flaky.received[1]!.body))).toEqual({
      project_id: projectId,
      job_id: jobId,
      extra_data: 'x',
    });
    // The attempt log, as for any delivery.
    const delivery = await t.services.store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('url', '=', flaky.url)
      .executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ status: 'succeeded', format: 'form', last_status_code: 200 });
    expect(Number(delivery.attempts)).toBe(2);
    const attempts = await t.services.store.db
      .selectFrom('webhook_attempts')
      .select(['number', 'status_code', 'response_body'])
      .where('delivery_id', '=', delivery.id)
      .orderBy('number')
      .execute();
    expect(attempts.map((a) => [Number(a.number), a.status_code, a.response_body])).toEqual([
      [1, 500, 'try again'],
      [2, 200, null],
    ]);
    // Listed with the workspace's callback endpoint's deliveries.
    const listed = await t.call({
      method: 'GET',
      url: `/v1/webhooks/${delivery.webhook_id}/deliveries?job_id=${jobId}`,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data).toContainEqual(
      expect.objectContaining({
        url: flaky.url,
        content_type: 'application/x-www-form-urlencoded',
        status: 'succeeded',
        attempts: 2,
      }),
    );
  });
});
