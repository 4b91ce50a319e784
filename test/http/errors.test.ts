import { connect } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// Every error a client can meet is RFC 9457 problem details whose `code` it can branch on.
function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, code, type: `https://jobline.dev/problems/${code.replaceAll('_', '-')}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.instance).toBe(`urn:request:${String(res.headers['request-id'])}`);
  return body;
}

/** Sends raw bytes to a listening server and returns everything it answers before closing. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
  });
}

const UNKNOWN_ID = '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182';
const BODY_LIMIT = 2048;

describe.each(DIALECTS)('error responses on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { bodyLimit: BODY_LIMIT });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('answers an unknown route with 404 route_not_found', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/nothing-here' }), 404, 'route_not_found');
    expectProblem(await t.call({ method: 'GET', url: '/nothing', token: null }), 404, 'route_not_found');
  });

  it_('answers a known path with an unsupported method with 405 and Allow', async () => {
    const res = await t.call({ method: 'DELETE', url: '/v1/jobs' });
    const body = expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS, POST');
    expect(body.allow).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    const put = await t.call({ method: 'PUT', url: `/v1/projects/${UNKNOWN_ID}` });
    expectProblem(put, 405, 'method_not_allowed');
    expect(put.headers.allow).toBe('GET, HEAD, OPTIONS, PATCH');
    // A 405 does not depend on who asks: it needs no token.
    expectProblem(await t.call({ method: 'PATCH', url: '/v1/tokens', token: null }), 405, 'method_not_allowed');
    expectProblem(await t.call({ method: 'POST', url: '/metrics' }), 405, 'method_not_allowed');
  });

  it_('answers OPTIONS with 204 and the allowed methods', async () => {
    const res = await t.call({ method: 'OPTIONS', url: `/v1/jobs/${UNKNOWN_ID}/cancel`, token: null });
    expect(res.statusCode).toBe(204);
    expect(res.headers.allow).toBe('OPTIONS, POST');
    expect(res.body).toBe('');
  });

  it_('answers 406 when the client accepts neither JSON nor XML', async () => {
    expectProblem(
      await t.call({ method: 'GET', url: '/v1/jobs', headers: { accept: 'text/csv' } }),
      406,
      'not_acceptable',
    );
    expectProblem(
      await t.call({ method: 'GET', url: '/v1/jobs', headers: { accept: 'application/json;q=0' } }),
      406,
      'not_acceptable',
    );
    expectProblem(
      await t.call({
        method: 'GET',
        url: '/v1/jobs',
        headers: { accept: 'application/json;q=0, application/xml;q=0, text/xml;q=0, */*' },
      }),
      406,
      'not_acceptable',
    );
    // Wildcards and weights: the best acceptable type wins.
    const wild = await t.call({ method: 'GET', url: '/v1/jobs', headers: { accept: 'text/csv, */*;q=0.1' } });
    expect(wild.statusCode).toBe(200);
    expect(wild.headers['content-type']).toMatch(/^application\/json/);
  });

  it_('answers 413 for a body over the configured limit, before creating anything', async () => {
    const name = 'big-body';
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'report', name, input: { blob: 'x'.repeat(BODY_LIMIT) } },
    });
    expectProblem(res, 413, 'payload_too_large');
    const small = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'report', input: { blob: 'x'.repeat(BODY_LIMIT / 2) } },
    });
    expect(small.statusCode).toBe(201);
    const list = await t.call({ method: 'GET', url: '/v1/jobs?type=report&page_size=100' });
    expect(list.json().data.filter((j: { name: string }) => j.name === name)).toEqual([]);
  });

  it_('answers 415 for a body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: 'type=export',
        headers: { 'content-type': type },
      });
      expectProblem(res, 415, 'unsupported_media_type');
    }
    // Forms are for creating a job with its files only; a form that is not one is a 400.
    expectProblem(
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: 'x',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
      }),
      415,
      'unsupported_media_type',
    );
    const broken = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: 'type=export',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect([400, 422]).toContain(broken.statusCode);
    // JSON with parameters or a +json suffix is still JSON.
    const ok = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: '{"type":"report"}',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    });
    expect(ok.statusCode).toBe(201);
  });

  it_('answers 400 malformed_json for broken JSON', async () => {
    for (const payload of ['{"type":', '{type: "report"}', "{'type':'report'}", '{"type":"report",}', '[1, 2', 'NaN']) {
      const res = await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(res, 400, 'malformed_json');
    }
  });

  it_('answers 422 with a JSON pointer for each invalid field', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'Not A Type', priority: 'high', max_attempts: 0, colour: 'red', input: [] },
    });
    const body = expectProblem(res, 422, 'validation_failed');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['#/colour', '#/input', '#/max_attempts', '#/priority', '#/type']);
    for (const e of body.errors) expect(typeof e.detail).toBe('string');
  });

  it_('points into arrays and nested objects, and names a missing field', async () => {
    const nested = await t.call({
      method: 'POST',
      url: '/v1/projects',
      payload: { name: 'Steps', workflow_steps: ['translation', 'Bad Step'] },
    });
    expect(expectProblem(nested, 422, 'validation_failed').errors).toEqual([
      { pointer: '#/workflow_steps/1', detail: expect.any(String) },
    ]);
    const missing = await t.call({ method: 'POST', url: '/v1/projects', payload: {} });
    expect(expectProblem(missing, 422, 'validation_failed').errors).toEqual([
      { pointer: '#/name', detail: 'is required' },
    ]);
  });

  it_('treats an empty body as no body: 422 for a required body, not a parse error', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'application/json' } });
    expectProblem(res, 422, 'validation_failed');
  });

  it_('tells a malformed id (400 invalid_id) from an unknown one (404 not_found)', async () => {
    for (const url of ['/v1/jobs/123', '/v1/jobs/not-a-uuid/cancel', '/v1/projects/x', '/v1/projects/x/jobs']) {
      const body = expectProblem(
        await t.call({ method: url.endsWith('cancel') ? 'POST' : 'GET', url }),
        400,
        'invalid_id',
      );
      expect(body.errors[0].pointer).toBe('#/params/id');
    }
    expectProblem(await t.call({ method: 'DELETE', url: '/v1/tokens/123' }), 400, 'invalid_id');
    expectProblem(await t.call({ method: 'GET', url: `/v1/jobs/${UNKNOWN_ID}` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'POST', url: `/v1/jobs/${UNKNOWN_ID}/cancel` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: `/v1/projects/${UNKNOWN_ID}` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: `/v1/projects/${UNKNOWN_ID}/jobs` }), 404, 'not_found');
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/tokens/${UNKNOWN_ID}` }), 404, 'not_found');
  });

  it_('reads an id in any letter case as the same id, on both databases', async () => {
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Case' } })).json();
    const upper = String(project.id).toUpperCase();
    const job = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'case-test', project_id: upper } });
    expect(job.statusCode).toBe(201);
    expect(job.json().project_id).toBe(project.id);
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${String(job.json().id).toUpperCase()}` })).json().id).toBe(
      job.json().id,
    );
    expect((await t.call({ method: 'GET', url: `/v1/projects/${upper}` })).json().id).toBe(project.id);
    expect((await t.call({ method: 'GET', url: `/v1/projects/${upper}/jobs` })).json().data).toHaveLength(1);
    expect((await t.call({ method: 'GET', url: `/v1/jobs?project_id=${upper}` })).json().data).toHaveLength(1);
  });

  it_('answers ids the router cannot decode or that are far too long as invalid_id', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/jobs/%E0%A4%A' }), 400, 'invalid_id');
    expectProblem(await t.call({ method: 'GET', url: `/v1/jobs/${'a'.repeat(5000)}` }), 400, 'invalid_id');
  });

  it_('answers requests Node cannot parse with problem details too, over a real socket', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    for (const text of [
      'NOT HTTP AT ALL\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const answer = await rawRequest(port, text);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head, text.slice(0, 30)).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body!)).toMatchObject({ status: 400, code: 'bad_request' });
    }
    const routed = await rawRequest(port, 'GET /v1/jobs/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(routed).toMatch(/^HTTP\/1\.1 400 /);
    expect(routed).toContain('"code":"invalid_id"');
  });

  it_('answers 400 invalid_query naming the parameter', async () => {
    const body = expectProblem(await t.call({ method: 'GET', url: '/v1/jobs?page_size=0' }), 400, 'invalid_query');
    expect(body.errors).toEqual([{ pointer: '#/query/page_size', detail: expect.any(String) }]);
    const unknown = expectProblem(await t.call({ method: 'GET', url: '/v1/projects?sort=name' }), 400, 'invalid_query');
    expect(unknown.errors).toEqual([{ pointer: '#/query/sort', detail: 'is not a known field' }]);
  });
});
