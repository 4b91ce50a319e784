import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('jobs API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('creates a job: 201, Location, and the job as it will be read', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'report', name: 'Nightly report', input: { format: 'jsonl' } },
    });
    expect(res.statusCode).toBe(201);
    const job = res.json();
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      type: 'report',
      name: 'Nightly report',
      status: 'pending',
      status_reason: 'queued',
      input: { format: 'jsonl' },
      attempts: 0,
      version: 1,
    });
    const read = await t.call({ method: 'GET', url: res.headers.location });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ ...job, attempt_history: [], files: [] });
    expect(read.headers['retry-after']).toBe('2');
  });

  it_('answers 304 to If-None-Match with the current ETag', async () => {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' } })).json();
    const first = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` });
    const again = await t.call({
      method: 'GET',
      url: `/v1/jobs/${job.id}`,
      headers: { 'if-none-match': first.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    const changed = await t.call({
      method: 'GET',
      url: `/v1/jobs/${job.id}`,
      headers: { 'if-none-match': first.headers.etag as string },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().status).toBe('cancelled');
  });

  it_('cancels a pending job at once and refuses to cancel a finished one', async () => {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' } })).json();
    const cancelled = await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', status_reason: 'cancelled_by_client' });
    const again = await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json()).toMatchObject({ code: 'job_state_conflict', status: 409, allowed_actions: ['retry'] });
  });

  it_('numbers jobs per project', async () => {
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Website' } })).json();
    const numbers = [];
    for (let i = 0; i < 3; i++)
      numbers.push(
        (
          await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translate', project_id: project.id } })
        ).json().number,
      );
    expect(numbers).toEqual([1, 2, 3]);
    const list = await t.call({ method: 'GET', url: `/v1/projects/${project.id}/jobs` });
    expect(list.json().data.map((j: { number: number }) => j.number)).toEqual([3, 2, 1]);
  });

  it_('pages through a filtered list with opaque tokens and no duplicates', async () => {
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Paging' } })).json();
    const created = [];
    for (let i = 0; i < 7; i++)
      created.push(
        (
          await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'page-test', project_id: project.id } })
        ).json().id,
      );
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await t.call({
        method: 'GET',
        url: `/v1/jobs?type=page-test&page_size=3${token ? `&page_token=${token}` : ''}`,
      });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().data.map((j: { id: string }) => j.id));
      token = res.json().next_page_token;
      pages++;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it_('rejects a page token used with other filters', async () => {
    for (let i = 0; i < 2; i++) await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'token-test' } });
    const first = (await t.call({ method: 'GET', url: '/v1/jobs?type=token-test&page_size=1' })).json();
    const res = await t.call({
      method: 'GET',
      url: `/v1/jobs?type=other&page_size=1&page_token=${first.next_page_token}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_page_token');
  });

  it_('offers page/per_page with a total', async () => {
    for (let i = 0; i < 5; i++) await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'total-test' } });
    const res = await t.call({ method: 'GET', url: '/v1/jobs?type=total-test&page=2&per_page=2' });
    expect(res.json()).toMatchObject({ total: 5, page: 2, per_page: 2 });
    expect(res.json().data).toHaveLength(2);
  });

  it_('never shows another workspace its jobs', async () => {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'secret' } })).json();
    const other = await t.token(['admin'], 'globex');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: other })).statusCode).toBe(404);
    expect((await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel`, token: other })).statusCode).toBe(404);
    const list = await t.call({ method: 'GET', url: '/v1/jobs?type=secret', token: other });
    expect(list.json().data).toEqual([]);
  });

  it_('replays an Idempotency-Key, and refuses it for another body', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' }, headers });
    const replay = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' }, headers });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(first.json().id);
    const other = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'import' }, headers });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
  });
});
