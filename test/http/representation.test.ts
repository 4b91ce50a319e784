import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

const XML = { accept: 'application/xml' };
const parseXml = (text: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false }).parse(text);

describe.each(DIALECTS)('representations on %s', (dialect) => {
  let t: TestApp;
  let job: Record<string, unknown>;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    const project = (
      await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Docs & <Translations>' } })
    ).json();
    const payload = {
      type: 'translate',
      name: 'Fish & "Chips"',
      project_id: project.id,
      input: { locale: 'fr', 'odd key': 1, nested: { deep: true } },
    };
    job = (await t.call({ method: 'POST', url: '/v1/jobs', payload })).json();
    await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translate', project_id: project.id } });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('renders a job as XML with the same values as the JSON', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}`, headers: XML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.headers.vary).toMatch(/accept/i);
    expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = parseXml(res.body).job;
    expect(doc).toMatchObject({
      id: job.id,
      type: 'translate',
      name: 'Fish & "Chips"',
      status: 'pending',
      version: '1',
      started_at: '',
    });
    // Keys that are not XML names survive as <entry key="...">.
    expect(doc.input.locale).toBe('fr');
    expect(doc.input.entry).toMatchObject({ '@_key': 'odd key', '#text': '1' });
    expect(doc.input.nested.deep).toBe('true');
  });

  it_('renders lists as XML, one <item> per element', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/jobs?type=translate', headers: { accept: 'text/xml' } });
    expect(res.statusCode).toBe(200);
    const items = parseXml(res.body).jobs.data.item;
    expect(items).toHaveLength(2);
    expect(items[1].id).toBe(job.id);
  });

  it_('renders every other resource as XML too', async () => {
    for (const url of ['/v1/projects', '/v1/tokens', '/healthz', '/readyz']) {
      const res = await t.call({ method: 'GET', url, headers: XML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^application\/xml/);
      expect(() => parseXml(res.body), url).not.toThrow();
    }
    const created = await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'X' }, headers: XML });
    expect(created.statusCode).toBe(201);
    expect(parseXml(created.body).project.name).toBe('X');
  });

  it_('renders errors as application/problem+xml', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'BAD' }, headers: XML });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+xml/);
    const problem = parseXml(res.body).problem;
    expect(problem['@_xmlns']).toBe('urn:ietf:rfc:7807');
    expect(problem).toMatchObject({ status: '422', code: 'validation_failed' });
    expect(problem.errors.item).toMatchObject({ pointer: '#/type' });
    for (const [headers, status] of [
      [{ ...XML, authorization: 'Bearer nope' }, 401],
      [XML, 404],
    ] as const) {
      const r = await t.call({ method: 'GET', url: '/v1/jobs/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182', headers });
      expect(r.statusCode).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+xml/);
      expect(parseXml(r.body).problem.status).toBe(String(status));
    }
    for (const [method, url, status] of [
      ['GET', '/v1/jobs/%E0%A4%A', 400],
      ['DELETE', '/v1/jobs', 405],
      ['GET', '/no/such/route', 404],
    ] as const) {
      const r = await t.call({ method, url, headers: XML });
      expect(r.statusCode, url).toBe(status);
      expect(r.headers['content-type'], url).toMatch(/^application\/problem\+xml/);
      expect(parseXml(r.body).problem.status, url).toBe(String(status));
    }
  });

  it_('prefers the type with the higher q, and JSON on a tie or without Accept', async () => {
    const type = async (accept?: string) =>
      String(
        (await t.call({ method: 'GET', url: '/healthz', headers: accept === undefined ? {} : { accept } })).headers[
          'content-type'
        ],
      );
    expect(await type()).toMatch(/^application\/json/);
    expect(await type('application/json, application/xml')).toMatch(/^application\/json/);
    expect(await type('application/json;q=0.5, application/xml')).toMatch(/^application\/xml/);
    expect(await type('application/xml;q=0.9, */*;q=0.8')).toMatch(/^application\/xml/);
    // The most specific range decides: JSON refused outright still leaves XML through */*.
    expect(await type('application/json;q=0, */*')).toMatch(/^application\/xml/);
    expect(await type('text/*')).toMatch(/^application\/xml/);
    expect(await type('application/*;q=0.5, application/xml')).toMatch(/^application\/xml/);
    expect(await type('APPLICATION/XML')).toMatch(/^application\/xml/);
  });

  it_('keeps only the requested fields, and always the id', async () => {
    const res = await t.call({
      method: 'GET',
      url: `/v1/jobs/${String(job.id)}?fields=status,input.locale,input.nested.deep`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: job.id, status: 'pending', input: { locale: 'fr', nested: { deep: true } } });
  });

  it_('applies fields to each item of a list and keeps the paging members', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/jobs?type=translate&page_size=1&fields=number' });
    const body = res.json();
    expect(body.data).toEqual([{ id: expect.any(String), number: 2 }]);
    expect(typeof body.next_page_token).toBe('string');
  });

  it_('selects only members the resource has, never inherited ones like constructor', async () => {
    for (const headers of [{}, XML]) {
      const res = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}?fields=status.length`, headers });
      expect(res.statusCode).toBe(200);
      const body = 'accept' in headers ? parseXml(res.body).job : res.json();
      expect(body).toEqual({ id: job.id, status: 'pending' });
      const inherited = await t.call({
        method: 'GET',
        url: `/v1/jobs/${String(job.id)}?fields=constructor,toString,__proto__.x,valueOf`,
        headers,
      });
      expect(inherited.statusCode).toBe(400);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it_('combines fields with XML', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}?fields=status`, headers: XML });
    expect(parseXml(res.body).job).toEqual({ id: job.id, status: 'pending' });
  });

  it_('indents with pretty=true, in JSON and XML, without changing the data', async () => {
    const compact = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}` });
    const pretty = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}?pretty=true` });
    expect(compact.body).not.toContain('\n');
    expect(pretty.body).toContain('\n  "id": ');
    expect(pretty.json()).toEqual(compact.json());
    expect(pretty.headers['content-type']).toMatch(/^application\/json/);
    const xml = await t.call({ method: 'GET', url: `/v1/jobs/${String(job.id)}?pretty=true`, headers: XML });
    expect(xml.body).toContain('\n  <id>');
  });

  it_('escapes markup and replaces characters XML cannot carry', async () => {
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'a</name><x>' } })).json();
    const res = await t.call({ method: 'GET', url: `/v1/projects/${String(project.id)}`, headers: XML });
    expect(res.body).toContain('&lt;/name&gt;&lt;x&gt;');
    expect(parseXml(res.body).project.name).toBe('a</name><x>');
    // Job input is any JSON: control characters are kept in JSON and become U+FFFD in XML.
    const withControls = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'raw', input: { text: 'bell\u0007 and \uFFFE' } },
      })
    ).json();
    expect(withControls.input.text).toBe('bell\u0007 and \uFFFE');
    const xml = await t.call({ method: 'GET', url: `/v1/jobs/${String(withControls.id)}`, headers: XML });
    expect(xml.statusCode).toBe(200);
    expect(parseXml(xml.body).job.input.text).toBe('bell\uFFFD and \uFFFD');
  });
});
