import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, provider } from './helpers.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/documents/${name}`, import.meta.url));

describe.each(DIALECTS)('work from a document on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const upload = async (name: string, bytes: Buffer | string, type: string) =>
    (
      await t.call({ method: 'POST', url: `/v1/files?name=${name}`, payload: bytes, headers: { 'content-type': type } })
    ).json().id as string;
  const get = async (id: string) => (await t.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();

  it_('imports a DOCX and runs two languages through translation and revision', async () => {
    const translator = await provider(t, 'Trude');
    const reviewer = await provider(t, 'Rita', 'vendor');
    const project = (
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: { name: 'Report', workflow_steps: ['translation', 'revision'] },
      })
    ).json();
    await t.call({
      method: 'PUT',
      url: `/v1/projects/${project.id}/rates`,
      payload: { rates: [{ source_language: 'en', target_language: 'de', price_per_word: 0.1, currency: 'EUR' }] },
    });
    const fileId = await upload('report.docx', fixture('report.docx'), DOCX);
    const res = await t.call({
      method: 'POST',
      url: `/v1/projects/${project.id}/documents`,
      payload: {
        file_id: fileId,
        source_language: 'en',
        target_languages: ['de', 'fr'],
        input: { quality: 'translation' },
        assignments: [
          { target_language: 'de', workflow_level: 1, providers: [translator.ref] },
          { target_language: 'fr', workflow_level: 1, providers: [translator.ref] },
          { target_language: 'de', workflow_level: 2, providers: [reviewer.ref] },
          { target_language: 'fr', workflow_level: 2, providers: [reviewer.ref] },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    const { import_job: importJob, jobs } = res.json();
    expect(importJob).toMatchObject({
      type: 'document-import',
      executor: 'worker',
      input: { file_id: fileId, source_language: 'en' },
    });
    expect(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      jobs.map((j: any) => [j.type, j.input.target_language, j.people.workflow_level, j.status, j.status_reason]),
    ).toEqual([
      ['translation', 'de', 1, 'pending', 'input_not_ready'],
      ['revision', 'de', 2, 'pending', 'input_not_ready'],
      ['translation', 'fr', 1, 'pending', 'input_not_ready'],
      ['revision', 'fr', 2, 'pending', 'input_not_ready'],
    ]);
    const [deTranslation, deRevision, frTranslation, frRevision] = jobs.map((j: { id: string }) => j.id) as string[];
    expect(jobs[0].people.reference_id).toBe(jobs[1].people.reference_id);
    expect(jobs[0].people.reference_id).not.toBe(jobs[2].people.reference_id);
    expect(jobs[0].people.import_job_id).toBe(importJob.id);

    expect(await t.finished(importJob.id)).toMatchObject({ status: 'succeeded', output: { words: 26 } });
    // The import's end made the first steps available, with words and (where a rate is set) a price.
    const de1 = await get(deTranslation!);
    expect(de1).toMatchObject({
      status: 'pending',
      status_reason: 'new',
      input: { quality: 'translation', words: 26, net_price: 2.6, currency: 'EUR' },
    });
    expect(await get(frTranslation!)).toMatchObject({
      status_reason: 'new',
      input: { words: 26, net_price: null, currency: null },
    });
    expect(await get(deRevision!)).toMatchObject({ status_reason: 'waiting', input: { words: 26 } });
    const early = await act(t, deRevision!, 'accept', { token: reviewer.token });
    expect(early.statusCode).toBe(400);
    expect(early.json().code).toBe('job_not_ready');

    // Starting the project offers the available jobs; the reviewer still sees only its own jobs.
    expect((await t.call({ method: 'POST', url: `/v1/projects/${project.id}/start` })).json().state).toBe('running');
    expect(await get(deTranslation!)).toMatchObject({ status: 'pending', status_reason: 'offered' });
    expect(
      (await t.call({ method: 'GET', url: '/v1/jobs', token: reviewer.token }))
        .json()
        .data.map((j: { id: string }) => j.id)
        .sort(),
    ).toEqual([deRevision, frRevision].sort());

    for (const [translation, revision] of [
      [deTranslation!, deRevision!],
      [frTranslation!, frRevision!],
    ] as [string, string][]) {
      expect((await act(t, translation, 'accept', { token: translator.token })).statusCode).toBe(200);
      const delivered = await t.call({
        method: 'POST',
        url: `/v1/jobs/${translation}/deliver/file?name=translated.docx`,
        token: translator.token,
        payload: fixture('report.docx'),
        headers: { 'content-type': DOCX },
      });
      expect(delivered.statusCode).toBe(200);
      expect(delivered.json().people.target_updated_at).not.toBeNull();
      expect((await act(t, translation, 'accept_delivery')).json().status).toBe('succeeded');
      // The revision step is offered to its provider as soon as the translation is accepted.
      expect(await get(revision)).toMatchObject({ status: 'pending', status_reason: 'offered' });
      await act(t, revision, 'accept', { token: reviewer.token });
      await act(t, revision, 'deliver', { token: reviewer.token });
      expect((await act(t, revision, 'accept_delivery')).json().status).toBe('succeeded');
    }
    const files = (await get(deTranslation!)).files;
    expect(files.map((f: { name: string; role: string }) => [f.name, f.role])).toEqual([['translated.docx', 'output']]);
    expect((await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).json().state).toBe('finished');
  });

  it_('leaves the jobs pending with the import error when the document cannot be imported', async () => {
    const project = (
      await t.call({
        method: 'POST',
        url: '/v1/projects',
        payload: { name: 'Broken', workflow_steps: ['translation'] },
      })
    ).json();
    const fileId = await upload('broken.docx', 'this is not a zip archive', DOCX);
    const res = (
      await t.call({
        method: 'POST',
        url: `/v1/projects/${project.id}/documents`,
        payload: { file_id: fileId, target_languages: ['de'] },
      })
    ).json();
    expect(await t.finished(res.import_job.id)).toMatchObject({ status: 'failed' });
    const job = await get(res.jobs[0].id);
    expect(job).toMatchObject({
      status: 'pending',
      status_reason: 'input_not_ready',
      error: { code: 'input_failed', import_job_id: res.import_job.id },
    });
    expect(job.error.message).toContain('could not be imported');
    const offer = await act(t, job.id, 'accept');
    expect(offer.statusCode).toBe(400);
    expect(offer.json()).toMatchObject({ code: 'job_not_ready', status_reason: 'input_not_ready' });
  });

  it_('takes new source versions of a continuous job while it is open', async () => {
    const worker = await provider(t, 'Cora');
    const job = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'review', executor: 'people', people: { providers: [worker.ref], continuous: true } },
      })
    ).json();
    expect(job.people).toMatchObject({ continuous: true, import_job_id: null, source_updated_at: null });
    const first = await t.call({
      method: 'PUT',
      url: `/v1/jobs/${job.id}/source?name=app.de.xlf`,
      payload: fixture('app.de.xlf'),
      headers: { 'content-type': 'application/xliff+xml' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'pending', status_reason: 'input_not_ready' });
    await t.finished(first.json().people.import_job_id);
    expect(await get(job.id)).toMatchObject({ status_reason: 'new', input: { words: expect.any(Number) } });
    await act(t, job.id, 'accept', { token: worker.token });
    const second = await t.call({
      method: 'PUT',
      url: `/v1/jobs/${job.id}/source?name=app.fr.xlf`,
      payload: fixture('app.fr.xlf'),
      headers: { 'content-type': 'application/xliff+xml' },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'running', status_reason: 'accepted' });
    expect(second.json().people.continuous_updated_at).not.toBeNull();
    expect(second.json().people.import_job_id).not.toBe(first.json().people.import_job_id);
    // A job that is not continuous takes no new source once accepted.
    const fixed = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'review', executor: 'people' } })
    ).json();
    await act(t, fixed.id, 'accept');
    expect(
      (
        await t.call({
          method: 'PUT',
          url: `/v1/jobs/${fixed.id}/source?name=a.txt`,
          payload: 'text',
          headers: { 'content-type': 'text/plain' },
        })
      ).statusCode,
    ).toBe(409);
  });
});
