import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

const report = defineJob({
  type: 'report',
  async run(ctx) {
    await ctx.writeFile('report.txt', 'line one\nline two\n', 'text/plain');
    return { file: 'report.txt' };
  },
});

describe.each(DIALECTS)('files on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect))
      t = await testApp(dialect, { definitions: [report], policy: { maxFileBytes: 1024 * 1024 }, worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('uploads a file and serves it back with its hash, whole or by range', async () => {
    const bytes = Buffer.from('Hello, Jobline! '.repeat(100));
    const up = await t.call({
      method: 'POST',
      url: '/v1/files?name=greeting.txt',
      payload: bytes,
      headers: { 'content-type': 'text/plain' },
    });
    expect(up.statusCode).toBe(201);
    const file = up.json();
    expect(file).toMatchObject({
      name: 'greeting.txt',
      content_type: 'text/plain',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      role: 'input',
    });
    const whole = await t.call({ method: 'GET', url: `/v1/files/${file.id}/content` });
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(bytes)).toBe(true);
    const part = await t.call({ method: 'GET', url: `/v1/files/${file.id}/content`, headers: { range: 'bytes=7-13' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 7-13/${bytes.length}`);
    expect(part.body).toBe('Jobline');
    const tail = await t.call({ method: 'GET', url: `/v1/files/${file.id}/content`, headers: { range: 'bytes=-5' } });
    expect(tail.body).toBe('ine! ');
    const beyond = await t.call({
      method: 'GET',
      url: `/v1/files/${file.id}/content`,
      headers: { range: `bytes=${bytes.length}-` },
    });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${bytes.length}`);
    const cached = await t.call({
      method: 'GET',
      url: `/v1/files/${file.id}/content`,
      headers: { 'if-none-match': whole.headers.etag as string },
    });
    expect(cached.statusCode).toBe(304);
  });

  it_('refuses a file over the limit with 413 and keeps nothing', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/files?name=big.bin',
      payload: Buffer.alloc(1024 * 1024 + 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it_('refuses a bad file name with 400 and pointers', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/files?name=../etc/passwd',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].pointer).toBe('#/query/name');
  });

  it_("serves a job's output file by name and through a signed link without a token", async () => {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' } })).json();
    const done = await t.finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.files).toHaveLength(1);
    expect(done.files[0]).toMatchObject({ name: 'report.txt', role: 'output', size: 18, content_type: 'text/plain' });
    const byName = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/files/report.txt` });
    expect(byName.body).toBe('line one\nline two\n');
    const signed = await t.app.inject({ method: 'GET', url: done.files[0].download_url });
    expect(signed.statusCode).toBe(200);
    expect(signed.body).toBe('line one\nline two\n');
    const forged = await t.app.inject({
      method: 'GET',
      url: done.files[0].download_url.replace(/signature=.{4}/, 'signature=AAAA'),
    });
    expect(forged.statusCode).toBe(403);
    const other = await t.token(['admin'], 'globex');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/files/report.txt`, token: other })).statusCode).toBe(
      404,
    );
    expect((await t.call({ method: 'GET', url: `/v1/files/${done.files[0].id}`, token: other })).statusCode).toBe(404);
  });
});
