import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { mountTextKing } from '../../src/compat/textking/index.js';
import { textkingDisposition } from '../../src/compat/textking/representation.js';
import type { Services } from '../../src/services/context.js';
import { Worker } from '../../src/engine/worker.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, provider } from '../people/helpers.js';
import { textkingState } from '../people/vendor-statuses.js';
import * as schemas from './schemas/textking.js';
import { validator } from './schemas/validate.js';

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
]);
const TK = '/compat/textking/v1';
const BASE = `http://localhost:80${TK}`;
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';
const TOPIC = '49353ab0-fdbf-4e1c-a063-cdf4aad98782';
const JOB_RELS = [
  'self',
  'urn:textking:project',
  'urn:textking:document',
  'urn:textking:translation',
  'urn:textking:topic',
  'urn:textking:callbacks',
];
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  isArray: (name) => ['job', 'link', 'project'].includes(name),
});

/** TextKing's status and error body, nothing of the native problem details. */
function expectError(res: LightMyRequestResponse, status: number): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expectValid('textking-error', res.json());
  expect(res.json().status).toBe(status);
}

describe.each(DIALECTS)('TextKing compatible API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  /** Runs the queue until these jobs have finished. */
  async function run(...ids: string[]): Promise<void> {
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      for (const id of ids) await t.finished(id);
    } finally {
      await worker.stop(1000);
    }
  }

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options: { body?: unknown; token?: string | null; accept?: string; type?: string; raw?: string | Buffer } = {},
  ) =>
    t.app.inject({
      method,
      url: `${TK}${url}`,
      headers: {
        ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? t.admin}` }),
        accept: options.accept ?? 'application/json',
        ...(options.body !== undefined || options.raw !== undefined
          ? { 'content-type': options.type ?? 'application/json' }
          : {}),
      },
      ...(options.body !== undefined
        ? { payload: JSON.stringify(options.body) }
        : options.raw !== undefined
          ? { payload: options.raw }
          : {}),
    });

  async function project(name = 'Alice in Wonderland') {
    const res = await call('POST', '/projects', { body: { name } });
    expect(res.statusCode, res.body).toBe(201);
    expectValid('textking-project', res.json());
    expect(res.headers.location).toBe(`${BASE}/project/${res.json().id}`);
    return res.json();
  }

  async function job(projectId: string, fields: Record<string, unknown> = {}) {
    const res = await call('POST', `/project/${projectId}/jobs`, {
      body: {
        name: 'Alice-de.docx German > English',
        source_language: 'de',
        target_language: 'en',
        quality: 'translation',
        topic: TOPIC,
        briefing: null,
        ...fields,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(`${BASE}/project/${projectId}/job/${res.json().id}`);
    expect(res.headers['content-location']).toBe(res.headers.location);
    return res.json();
  }

  const getJob = async (projectId: string, jobId: string) => {
    const res = await call('GET', `/project/${projectId}/job/${jobId}`);
    expect(res.statusCode, res.body).toBe(200);
    expectValid('textking-job', res.json());
    return res.json();
  };

  describe('GET /project/{projectId}/job/{jobId}', () => {
    it_('answers the seed example with the seed shape and absolute links of this server', async () => {
      const p = await project();
      const created = await job(p.id);
      const body = await getJob(p.id, created.id);
      expect(body).toMatchObject({
        id: created.id,
        name: 'Alice-de.docx German > English',
        source_language: 'de',
        target_language: 'en',
        quality: 'translation',
        topic: TOPIC,
        briefing: null,
        state: 'new',
        words: 0,
        is_active: true,
      });
      expect(body.number).toMatch(/^P\d{6}-01$/);
      expect(body.links.map((l: { rel: string }) => l.rel)).toEqual(JOB_RELS);
      const self = `${BASE}/project/${p.id}/job/${created.id}`;
      expect(body.links).toEqual([
        { rel: 'self', href: self },
        { rel: 'urn:textking:project', href: `${BASE}/project/${p.id}` },
        { rel: 'urn:textking:document', href: `${self}/document` },
        { rel: 'urn:textking:translation', href: `${self}/translation` },
        { rel: 'urn:textking:topic', href: `${BASE}/topic/${TOPIC}` },
        { rel: 'urn:textking:callbacks', href: `${self}/callbacks` },
      ]);
      // The links lead back to the job and its project.
      expect(
        (
          await t.app.inject({
            method: 'GET',
            url: new URL(body.links[0].href).pathname,
            headers: { authorization: `Bearer ${t.admin}` },
          })
        ).json().id,
      ).toBe(created.id);
      expect(
        (
          await t.app.inject({
            method: 'GET',
            url: new URL(body.links[1].href).pathname,
            headers: { authorization: `Bearer ${t.admin}` },
          })
        ).json().id,
      ).toBe(p.id);
      // The same job in the native API: a people job of the project.
      const native = (await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json();
      expect(native).toMatchObject({
        executor: 'people',
        type: 'translation',
        project_id: p.id,
        status: 'pending',
        status_reason: 'new',
        input: { source_language: 'de', target_language: 'en', quality: 'translation', topic: TOPIC },
      });
      expect(textkingState(native, 'prepared')).toBe(body.state);
    });

    it_('answers in XML when the client accepts it', async () => {
      const p = await project();
      const created = await job(p.id);
      const res = await call('GET', `/project/${p.id}/job/${created.id}`, { accept: 'application/xml' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/xml/);
      const doc = xml.parse(res.body);
      expect(doc.job[0]).toMatchObject({
        id: created.id,
        state: 'new',
        quality: 'translation',
        is_active: 'true',
        briefing: '',
      });
      expect(doc.job[0].links.link.map((l: { rel: string }) => l.rel)).toEqual(JOB_RELS);
      expect(doc.job[0].links.link[0].href).toBe(`${BASE}/project/${p.id}/job/${created.id}`);
      // Errors follow the same Accept.
      const missing = await call('GET', `/project/${p.id}/job/${UNKNOWN}`, { accept: 'application/xml' });
      expect(missing.statusCode).toBe(404);
      expect(xml.parse(missing.body).error).toMatchObject({ status: '404' });
    });

    it_('answers 400 for an id that is not a UUID and 404 for an unknown one', async () => {
      const p = await project();
      const other = await project('Other');
      const created = await job(p.id);
      expectError(await call('GET', `/project/${p.id}/job/d0c30471-7c70-45d4-bcc1-a7773cb352b`), 400);
      expectError(await call('GET', `/project/bc141454-5949-401b-9c05-7591ee2f562/job/${created.id}`), 400);
      expectError(await call('GET', `/project/${p.id}/job/${UNKNOWN}`), 404);
      expectError(await call('GET', `/project/${UNKNOWN}/job/${created.id}`), 404);
      expectError(await call('GET', `/project/${other.id}/job/${created.id}`), 404);
      const stranger = await t.token(['jobs:read'], 'elsewhere');
      expectError(await call('GET', `/project/${p.id}/job/${created.id}`, { token: stranger }), 404);
      expectError(await call('GET', `/project/${p.id}/job/${created.id}`, { token: null }), 401);
      expectError(await call('GET', `/project/${p.id}/job/${created.id}`, { token: 'jl_nope_nope' }), 401);
      expectError(await call('GET', '/coupons'), 404);
      expectError(await t.app.inject({ method: 'GET', url: '/compat/textking/other' }), 404);
    });
  });

  describe('GET /project/{projectId}/jobs', () => {
    it_('pages from 1 with per_page 1..100 (default 100) in the seed envelope', async () => {
      const p = await project();
      const first = await job(p.id);
      const second = await job(p.id, { quality: 'translation-and-correction', name: 'Second' });
      const res = await call('GET', `/project/${p.id}/jobs`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('textking-job-list', body);
      expect(body).toMatchObject({ page: 1, per_page: 100, total: 2 });
      expect(body.items.map((j: { id: string }) => j.id)).toEqual([first.id, second.id]);
      expect(body.links).toEqual([{ rel: 'self', href: `${BASE}/project/${p.id}/jobs?page=1&per_page=100` }]);
      const paged = (await call('GET', `/project/${p.id}/jobs?page=2&per_page=1`)).json();
      expectValid('textking-job-list', paged);
      expect(paged).toMatchObject({ page: 2, per_page: 1, total: 2, items: [{ id: second.id }] });
      expect(paged.links).toEqual([
        { rel: 'self', href: `${BASE}/project/${p.id}/jobs?page=2&per_page=1` },
        { rel: 'prev', href: `${BASE}/project/${p.id}/jobs?page=1&per_page=1` },
      ]);
      const listXml = xml.parse((await call('GET', `/project/${p.id}/jobs`, { accept: 'application/xml' })).body);
      expect(listXml.jobs).toMatchObject({ page: '1', per_page: '100', total: '2' });
      expect(listXml.jobs.items.job).toHaveLength(2);
      expectError(await call('GET', `/project/${p.id}/jobs?per_page=101`), 400);
      expectError(await call('GET', `/project/${p.id}/jobs?per_page=0`), 400);
      expectError(await call('GET', `/project/${p.id}/jobs?page=0`), 400);
      expectError(await call('GET', '/project/bc141454-5949-401b-9c05-7591ee2f562/jobs'), 400);
      expectError(await call('GET', `/project/${UNKNOWN}/jobs`), 404);
    });
  });

  describe('projects and job states', () => {
    it_('renders every documented state as the project runs and its job is worked on', async () => {
      const translator = await provider(t, 'Tom');
      const p = await project('Every state');
      const created = await job(p.id);
      const seen = new Set<string>();
      const expectState = async (state: string) => {
        const body = await getJob(p.id, created.id);
        expect(body.state).toBe(state);
        const native = (await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json();
        const projectState = (await t.call({ method: 'GET', url: `/v1/projects/${p.id}` })).json().state;
        expect(textkingState(native, projectState)).toBe(state);
        seen.add(state);
      };
      await expectState('new');
      const started = await call('PUT', `/project/${p.id}`, { body: { state: 'running' } });
      expect(started.statusCode, started.body).toBe(200);
      expectValid('textking-project', started.json());
      expect(started.json().state).toBe('running');
      await expectState('translation-pending');
      expect((await act(t, created.id, 'offer', { payload: { providers: [translator.ref] } })).statusCode).toBe(200);
      await expectState('translation-pending');
      expect((await act(t, created.id, 'accept', { token: translator.token })).statusCode).toBe(200);
      await expectState('translation-pending');
      const delivered = await t.call({
        method: 'POST',
        url: `/v1/jobs/${created.id}/deliver/file?name=alice-en.txt`,
        token: translator.token,
        headers: { 'content-type': 'text/plain' },
        payload: 'Alice was beginning to get very tired.',
      });
      expect(delivered.statusCode, delivered.body).toBe(200);
      await expectState('translation-delivered');
      const translation = await call('GET', `/project/${p.id}/job/${created.id}/translation`);
      expect(translation.statusCode).toBe(200);
      expect(translation.body).toBe('Alice was beginning to get very tired.');
      expect(translation.headers['content-disposition']).toBe('attachment; filename=alice-en.txt');
      expect(translation.headers['last-modified']).toEqual(expect.any(String));
      expect((await act(t, created.id, 'request_revision')).statusCode).toBe(200);
      await expectState('revision-requested');
      expect((await act(t, created.id, 'deliver', { token: translator.token })).statusCode).toBe(200);
      expect((await act(t, created.id, 'accept_delivery')).statusCode).toBe(200);
      await expectState('completed');
      // Its only job is done: the project is finished.
      expect((await call('GET', `/project/${p.id}`)).json().state).toBe('finished');

      const cancelled = await project('Cancelled');
      const doomed = await job(cancelled.id);
      const res = await call('PUT', `/project/${cancelled.id}`, { body: { state: 'canceled' } });
      expect(res.json().state).toBe('canceled');
      expect((await getJob(cancelled.id, doomed.id)).state).toBe('canceled');
      seen.add('canceled');
      expect([...seen].sort()).toEqual([
        'canceled',
        'completed',
        'new',
        'revision-requested',
        'translation-delivered',
        'translation-pending',
      ]);
    });

    it_('lists projects with a state filter and renders each project state', async () => {
      const prepared = await project('Prepared');
      const running = await project('Running');
      await job(running.id);
      await call('PUT', `/project/${running.id}`, { body: { state: 'running' } });
      const list = (await call('GET', '/projects?per_page=100')).json();
      expectValid('textking-project-list', list);
      expect(list.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([prepared.id, running.id]));
      const onlyRunning = (await call('GET', '/projects?state=running')).json();
      expect(onlyRunning.items.map((p: { id: string; state: string }) => [p.id, p.state])).toEqual([
        [running.id, 'running'],
      ]);
      const states = new Set(
        ((await call('GET', '/projects')).json().items as { state: string }[]).map((p) => p.state),
      );
      expect([...states].sort()).toEqual(expect.arrayContaining(['prepared', 'running']));
      const finished = await project('Finished');
      await call('PUT', `/project/${finished.id}`, { body: { state: 'running' } });
      expect((await call('GET', `/project/${finished.id}`)).json()).toMatchObject({
        state: 'finished',
        links: [{ rel: 'self' }, { rel: 'urn:textking:jobs', href: `${BASE}/project/${finished.id}/jobs` }],
      });
      expectError(await call('GET', '/projects?state=lost'), 400);
    });

    it_('edits projects and their jobs only while prepared (403 otherwise)', async () => {
      const p = await project('Editable');
      const created = await job(p.id);
      const renamed = await call('PUT', `/project/${p.id}`, { body: { name: 'Renamed' } });
      expect(renamed.json().name).toBe('Renamed');
      const edited = await call('PUT', `/project/${p.id}/job/${created.id}`, {
        body: { topic: 'legal', briefing: 'Keep it formal.' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expectValid('textking-job', edited.json());
      expect(edited.json()).toMatchObject({
        topic: 'legal',
        briefing: 'Keep it formal.',
        name: 'Alice-de.docx German > English',
      });
      const removable = await job(p.id);
      expect((await call('DELETE', `/project/${p.id}/job/${removable.id}`)).statusCode).toBe(204);
      expectError(await call('GET', `/project/${p.id}/job/${removable.id}`), 404);

      await call('PUT', `/project/${p.id}`, { body: { state: 'running' } });
      expectError(await call('PUT', `/project/${p.id}`, { body: { name: 'Too late' } }), 403);
      expectError(await call('PUT', `/project/${p.id}`, { body: { state: 'canceled' } }), 403);
      expectError(
        await call('POST', `/project/${p.id}/jobs`, {
          body: { name: 'x', source_language: 'de', target_language: 'en', quality: 'translation' },
        }),
        403,
      );
      expectError(await call('PUT', `/project/${p.id}/job/${created.id}`, { body: { topic: 'x' } }), 403);
      expectError(await call('DELETE', `/project/${p.id}/job/${created.id}`), 403);
      expectError(
        await call('POST', `/project/${p.id}/job/${created.id}/document/late.txt`, { raw: 'Late', type: 'text/plain' }),
        403,
      );
    });

    it_('refuses incomplete or invalid input with 400', async () => {
      const p = await project();
      expectError(await call('POST', '/projects', { body: {} }), 400);
      expectError(
        await call('POST', `/project/${p.id}/jobs`, {
          body: { name: 'x', source_language: 'de', target_language: 'en' },
        }),
        400,
      );
      expectError(
        await call('POST', `/project/${p.id}/jobs`, {
          body: { name: 'x', source_language: 'German', target_language: 'en', quality: 'translation' },
        }),
        400,
      );
      expectError(
        await call('POST', `/project/${p.id}/jobs`, {
          body: { name: 'x', source_language: 'de', target_language: 'en', quality: 'perfect' },
        }),
        400,
      );
      expectError(
        await call('POST', `/project/${p.id}/jobs`, {
          body: { name: 'x', source_language: 'de', target_language: 'en', quality: 'translation', is_active: 'yes' },
        }),
        400,
      );
      expectError(await call('PUT', `/project/${p.id}`, { body: { state: 'finished' } }), 400);
      expectError(await call('POST', `/project/${p.id}/jobs`, { raw: '{"name":', type: 'application/json' }), 400);
      const reader = await t.token(['jobs:read']);
      expectError(await call('POST', '/projects', { body: { name: 'x' }, token: reader }), 403);
    });

    it_('takes XML request bodies', async () => {
      const p = await project();
      const res = await call('POST', `/project/${p.id}/jobs`, {
        type: 'application/xml',
        raw: '<?xml version="1.0"?><job><name>From XML</name><source_language>de</source_language><target_language>en</target_language><quality>basic</quality><briefing/><is_active>false</is_active></job>',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ name: 'From XML', quality: 'basic', briefing: null, is_active: false });
    });

    it_('refuses XML bodies with a DOCTYPE, so no declared entity is ever expanded', async () => {
      const count = async () => (await call('GET', '/projects')).json().total;
      const before = await count();
      for (const raw of [
        '<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a "Expanded">]><project><name>&a;</name></project>',
        `<!DOCTYPE project [<!ENTITY b "${'x'.repeat(100)}"><!ENTITY a "&b;&b;&b;&b;">]><project><name>&a;</name></project>`,
        '<!doctype project SYSTEM "file:///etc/passwd"><project><name>x</name></project>',
        '<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE project><project><name>plain</name></project>',
      ]) {
        const res = await call('POST', '/projects', { type: 'application/xml', raw });
        expectError(res, 400);
        expect(res.json().message).toMatch(/DOCTYPE/);
      }
      expect(await count()).toBe(before);
    });
  });

  describe('documents', () => {
    it_('uploads a job document, imports it for its word count, and downloads it again', async () => {
      const p = await project('Documents');
      const created = await job(p.id);
      expectError(await call('GET', `/project/${p.id}/job/${created.id}/document`), 404);
      expectError(await call('GET', `/project/${p.id}/job/${created.id}/translation`), 404);
      const text = 'Alice war es leid, neben ihrer Schwester zu sitzen.\n\nUnd nichts zu tun.\n';
      const upload = await call('POST', `/project/${p.id}/job/${created.id}/document/Alice de.txt`, {
        raw: text,
        type: 'text/plain',
      });
      expect(upload.statusCode, upload.body).toBe(201);
      expect(upload.headers.location).toBe(`${BASE}/project/${p.id}/job/${created.id}/document`);
      const download = await call('GET', `/project/${p.id}/job/${created.id}/document`);
      expect(download.statusCode).toBe(200);
      expect(download.body).toBe(text);
      expect(download.headers['content-type']).toMatch(/^text\/plain/);
      expect(download.headers['content-disposition']).toBe('attachment; filename=Alice_de.txt');
      expect(download.headers['last-modified']).toEqual(expect.any(String));
      const native = (await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json();
      await run(native.people.import_job_id);
      expect((await getJob(p.id, created.id)).words).toBeGreaterThan(0);
      // An unsupported type is 406.
      expectError(
        await call('POST', `/project/${p.id}/job/${created.id}/document/cover.png`, {
          raw: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
          type: 'image/png',
        }),
        406,
      );
    });
  });
  describe("the PHP client's details", () => {
    it_('takes is_active: null as "not given": true on create, unchanged on update (JSON and XML)', async () => {
      const p = await project('Nulls');
      const created = await job(p.id, { is_active: null });
      expect(created.is_active).toBe(true);
      const off = await call('PUT', `/project/${p.id}/job/${created.id}`, { body: { is_active: false } });
      expect(off.json().is_active).toBe(false);
      const kept = await call('PUT', `/project/${p.id}/job/${created.id}`, {
        body: { name: 'Renamed', is_active: null },
      });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json()).toMatchObject({ name: 'Renamed', is_active: false });
      const xmlBody =
        '<job><name>X</name><source_language>de</source_language><target_language>en</target_language><quality>basic</quality><is_active/></job>';
      const fromXml = await call('POST', `/project/${p.id}/jobs`, { type: 'application/xml', raw: xmlBody });
      expect(fromXml.statusCode, fromXml.body).toBe(201);
      expect(fromXml.json().is_active).toBe(true);
      expectError(await call('POST', `/project/${p.id}/jobs`, { body: { ...created, is_active: 'yes' } }), 400);
    });

    it_('accepts every format the wiki lists; those Jobline cannot read are kept as they are', async () => {
      const p = await project('Formats');
      for (const [name, type, readable] of [
        ['slides.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', false],
        ['old.doc', 'application/msword', false],
        ['sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', false],
        ['sheet.xls', 'application/vnd.ms-excel', false],
        ['book.idml', 'application/vnd.adobe.indesign-idml-package', false],
        ['letter.rtf', 'application/rtf', false],
        ['text.odt', 'application/vnd.oasis.opendocument.text', false],
        ['data.xml', 'application/xml', false],
        ['page.html', 'text/html', true],
        ['notes.txt', 'text/plain', true],
      ] as const) {
        const created = await job(p.id, { name });
        const bytes = readable ? '<p>Hello world</p>' : Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff]);
        const upload = await call('POST', `/project/${p.id}/job/${created.id}/document/${name}`, { raw: bytes, type });
        expect(upload.statusCode, `${name}: ${upload.body}`).toBe(201);
        const native = (await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json();
        await run(native.people.import_job_id);
        const importJob = (await t.call({ method: 'GET', url: `/v1/jobs/${native.people.import_job_id}` })).json();
        expect(importJob.status, name).toBe('succeeded');
        expect(importJob.output.format === 'stored', name).toBe(!readable);
        const download = await call('GET', `/project/${p.id}/job/${created.id}/document`);
        expect(download.statusCode).toBe(200);
        expect(download.rawPayload.equals(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)), name).toBe(true);
        expect(download.headers['content-disposition']).toBe(`attachment; filename=${name}`);
        // The job is ready for its provider: its source is no longer being imported.
        expect((await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json().status_reason).not.toBe(
          'input_not_ready',
        );
      }
    });

    it_('writes Content-Disposition unquoted; a name that is not a token goes in filename* too', () => {
      // Stored names are tokens (storageFileName); the second form guards names stored some other way.
      expect(textkingDisposition('Alice_de.docx')).toBe('attachment; filename=Alice_de.docx');
      const odd = textkingDisposition('Übersetzung "final" (v2).txt');
      expect(odd).toMatch(/^attachment; filename=[A-Za-z0-9._-]+; filename\*=UTF-8''[A-Za-z0-9%._~-]+$/);
      expect(decodeURIComponent(odd.split("UTF-8''")[1]!)).toBe('Übersetzung "final" (v2).txt');
    });

    it_('shows jobs made through other APIs with languages and a quality its clients can read', async () => {
      const p = await project('Native');
      const res = await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'translation', project_id: p.id, executor: 'people', input: {} },
      });
      expect(res.statusCode, res.body).toBe(201);
      const shown = await getJob(p.id, res.json().id);
      expect(shown).toMatchObject({ source_language: 'und', target_language: 'und', quality: 'translation' });
      const und = await call('GET', '/language/und');
      expect(und.json()).toMatchObject({ code: 'und', name: 'Undetermined' });
    });
  });

  describe('topics and languages', () => {
    it_('lists topics and resolves every job topic link', async () => {
      const p = await project('Topics');
      const created = await job(p.id);
      const list = await call('GET', '/topics?per_page=3');
      expect(list.statusCode).toBe(200);
      expectValid('textking-topic-list', list.json());
      expect(list.json()).toMatchObject({ page: 1, per_page: 3, total: expect.any(Number) });
      expect(list.json().items).toHaveLength(3);
      const first = list.json().items[0];
      expect((await call('GET', `/topic/${first.id}`)).json()).toEqual(first);
      const link = created.links.find((l: { rel: string }) => l.rel === 'urn:textking:topic').href as string;
      const topic = await call('GET', new URL(link).pathname.slice(TK.length));
      expect(topic.statusCode).toBe(200);
      expectValid('textking-topic', topic.json());
      expect(topic.json().id).toBe(TOPIC);
      const asXml = await call('GET', `/topic/${first.id}`, { accept: 'application/xml' });
      expect(asXml.body).toContain(`<topic><id>${first.id}</id>`);
    });

    it_('lists source and target languages and reads one language; bad codes are 400, unknown 404', async () => {
      for (const side of ['source', 'target']) {
        const list = await call('GET', `/languages/${side}`);
        expect(list.statusCode).toBe(200);
        expectValid('textking-language-list', list.json());
        expect(list.json().items).toContainEqual({ code: 'de', name: 'German', localization_language: 'en' });
      }
      const one = await call('GET', '/language/pt-BR');
      expectValid('textking-language', one.json());
      expect(one.json().name).toBe('Brazilian Portuguese');
      expectError(await call('GET', '/language/not a code'), 400);
      expectError(await call('GET', '/language/qq'), 404);
      expectError(await call('GET', '/languages/source?per_page=0'), 400);
      expectError(await call('GET', '/topics', { token: null }), 401);
    });
  });
});

describe('TextKing at the root path', () => {
  it('is refused, since its /v1/projects is the native API', async () => {
    await expect(mountTextKing(Fastify(), {} as Services, '')).rejects.toThrow(/root path/);
  });
});
