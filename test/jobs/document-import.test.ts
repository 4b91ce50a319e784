import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/documents/${name}`, import.meta.url));

describe.each(DIALECTS)('document-import on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function importFile(name: string, bytes: Buffer | string, contentType: string, input: object = {}) {
    const file = (
      await t.call({
        method: 'POST',
        url: `/v1/files?name=${name}`,
        payload: bytes,
        headers: { 'content-type': contentType },
      })
    ).json();
    const job = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'document-import', input: { file_id: file.id, ...input } },
      })
    ).json();
    return t.finished(job.id);
  }

  it_('imports a real DOCX into segments with a word count', async () => {
    const done = await importFile(
      'report.docx',
      fixture('report.docx'),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      output: { format: 'docx', file_name: 'report.docx', segments: 10, words: 26 },
    });
    const segments = (await t.call({ method: 'GET', url: `/v1/jobs/${done.id}/segments?page_size=3` })).json();
    expect(segments.data).toEqual([
      { index: 0, key: null, context: null, source: 'Quarterly report', target: null, words: 2 },
      {
        index: 1,
        key: null,
        context: null,
        source: 'Jobline processed 1,204 imports this quarter, up from 870.',
        target: null,
        words: 9,
      },
      { index: 2, key: null, context: null, source: 'Highlights', target: null, words: 1 },
    ]);
    const next = (
      await t.call({
        method: 'GET',
        url: `/v1/jobs/${done.id}/segments?page_size=100&page_token=${segments.next_page_token}`,
      })
    ).json();
    expect(next.data.map((s: { index: number }) => s.index)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it_('creates the job and uploads its document in one multipart request', async () => {
    const form = new FormData();
    form.set(
      'job',
      JSON.stringify({ type: 'document-import', name: 'Quarterly report', input: { source_language: 'en' } }),
    );
    form.set(
      'file',
      new Blob([fixture('report.docx')], {
        type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      }),
      'report.docx',
    );
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: Buffer.from(await encoded.arrayBuffer()),
      headers: { 'content-type': encoded.headers.get('content-type')! },
    });
    expect(res.statusCode).toBe(201);
    const job = res.json();
    expect(job).toMatchObject({
      type: 'document-import',
      name: 'Quarterly report',
      input: { source_language: 'en', file_id: expect.any(String) },
    });
    expect(await t.finished(job.id)).toMatchObject({
      status: 'succeeded',
      output: { file_name: 'report.docx', segments: 10, words: 26 },
    });
    const noJob = new FormData();
    noJob.set('file', new Blob(['x']), 'x.txt');
    const bad = new Request('http://localhost/', { method: 'POST', body: noJob });
    const missing = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: Buffer.from(await bad.arrayBuffer()),
      headers: { 'content-type': bad.headers.get('content-type')! },
    });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors[0].pointer).toBe('#/job');
    const elsewhere = await t.call({
      method: 'POST',
      url: '/v1/projects',
      payload: Buffer.from(await new Request('http://localhost/', { method: 'POST', body: form }).arrayBuffer()),
      headers: { 'content-type': encoded.headers.get('content-type')! },
    });
    expect(elsewhere.statusCode).toBe(415);
  });

  it_('imports XLIFF 2.0 with its languages and existing targets', async () => {
    const done = await importFile('app.de.xlf', fixture('app.de.xlf'), 'application/xliff+xml');
    expect(done).toMatchObject({
      status: 'succeeded',
      output: { format: 'xliff', source_language: 'en', target_language: 'de' },
    });
    const first = (await t.call({ method: 'GET', url: `/v1/jobs/${done.id}/segments?page_size=1` })).json().data[0];
    expect(first).toMatchObject({ source: 'Hello world!', target: 'Hallo Welt!' });
  });

  it_('fails an unknown or broken document at once with a message that says what is wrong', async () => {
    const unknown = await importFile('blob.bin', Buffer.from([0, 1, 2, 3, 255, 254]), 'application/octet-stream');
    expect(unknown).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'document_unsupported' } });
    expect(unknown.error.message).toContain('blob.bin');
    const broken = await importFile(
      'broken.xlf',
      '<?xml version="1.0"?>\n<xliff version="1.2">\n  <file>\n    <body>\n',
      'application/xliff+xml',
    );
    expect(broken).toMatchObject({ status: 'failed', attempts: 1 });
    expect(broken.error.message).toMatch(/^broken\.xlf is not a valid xliff document: /);
    const notZip = await importFile('fake.docx', 'this is not a zip file', 'application/octet-stream', {
      format: 'docx',
    });
    expect(notZip).toMatchObject({ status: 'failed', attempts: 1 });
    // The server stays healthy.
    expect((await t.call({ method: 'GET', url: '/readyz', token: null })).statusCode).toBe(200);
  });
});
