import { gunzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { BUILTIN_JOBS } from '../../src/jobs/builtin.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// A job type with a typed input, as a platform would define for its own work; bulk-import validates
// each row against it.
const translate = defineJob({
  type: 'translate',
  input: Type.Object({
    target_language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' }),
    text: Type.Optional(Type.String()),
  }),
  run: () => null,
});

describe.each(DIALECTS)('built-in job types on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect))
      t = await testApp(dialect, { definitions: [...BUILTIN_JOBS, translate] as JobDefinition[], worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function run(type: string, input: object) {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input } })).json();
    expect(job.id, JSON.stringify(job)).toBeDefined();
    return t.finished(job.id);
  }

  async function project(name: string, jobs: object[]) {
    const p = (
      await t.call({ method: 'POST', url: '/v1/projects', payload: { name, workflow_steps: ['translation'] } })
    ).json();
    for (const j of jobs) await t.call({ method: 'POST', url: '/v1/jobs', payload: { ...j, project_id: p.id } });
    return p;
  }

  it_("export writes a project's jobs as gzip JSON Lines, downloadable by a signed link", async () => {
    const p = await project('Export me', [
      { type: 'translate', name: 'one', input: { target_language: 'de' } },
      { type: 'translate', name: 'two', input: { target_language: 'fr' } },
    ]);
    const done = await run('export', { project_id: p.id });
    expect(done).toMatchObject({ status: 'succeeded', output: { file: 'jobs.jsonl.gz', count: 2, project_id: p.id } });
    const link = done.files.find((f: { name: string }) => f.name === 'jobs.jsonl.gz').download_url;
    const download = await t.app.inject({ method: 'GET', url: link });
    expect(download.headers['content-type']).toBe('application/gzip');
    const lines = gunzipSync(download.rawPayload)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.name)).toEqual(['two', 'one']);
    expect(lines[0]).toMatchObject({ project_id: p.id, type: 'translate', input: { target_language: 'fr' } });
  });

  it_('export in a project exports that project without itself, unless its input names another scope', async () => {
    const p = await project('Scoped', [
      { type: 'translate', name: 'a', input: { target_language: 'de' } },
      { type: 'translate', name: 'b', input: { target_language: 'fr' } },
    ]);
    const created = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'export', project_id: p.id } })
    ).json();
    const done = await t.finished(created.id);
    expect(done).toMatchObject({ status: 'succeeded', output: { count: 2, project_id: p.id } });
    const download = await t.app.inject({ method: 'GET', url: done.files[0].download_url });
    const names = gunzipSync(download.rawPayload)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).name);
    expect(names).toEqual(['b', 'a']);

    const whole = await t.finished(
      (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          payload: { type: 'export', project_id: p.id, input: { project_id: null } },
        })
      ).json().id,
    );
    expect(whole).toMatchObject({ status: 'succeeded', output: { project_id: null } });
    expect(whole.output.count).toBeGreaterThan(2);
  });

  it_('export of an unknown project fails at once, saying why', async () => {
    const done = await run('export', { project_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' });
    expect(done).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'project_not_found' } });
  });

  it_('duplicate-project copies the project and its jobs, numbered in the same order', async () => {
    const p = await project('Website', [
      { type: 'translate', name: 'home', input: { target_language: 'de' } },
      { type: 'translate', name: 'about', input: { target_language: 'it' } },
    ]);
    const done = await run('duplicate-project', { project_id: p.id });
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ new_project: { name: 'Copy of Website' }, jobs_copied: 2 });
    const copy = (await t.call({ method: 'GET', url: `/v1/projects/${done.output.new_project.id}` })).json();
    expect(copy).toMatchObject({ name: 'Copy of Website', workflow_steps: ['translation'] });
    const jobs = (await t.call({ method: 'GET', url: `/v1/projects/${copy.id}/jobs` })).json().data;
    expect(jobs.map((j: { number: number; name: string; input: unknown }) => [j.number, j.name, j.input])).toEqual([
      [2, 'about', { target_language: 'it' }],
      [1, 'home', { target_language: 'de' }],
    ]);
  });

  it_('duplicate-job copies one job into its project, people work and all but its source', async () => {
    const p = await project('Single', [{ type: 'translate', name: 'home', input: { target_language: 'de' } }]);
    const [original] = (await t.call({ method: 'GET', url: `/v1/projects/${p.id}/jobs` })).json().data;
    const done = await run('duplicate-job', { job_id: original.id, name: 'home again' });
    expect(done.output).toMatchObject({ new_task: { name: 'home again' } });
    const copy = (await t.call({ method: 'GET', url: `/v1/jobs/${done.output.new_task.id}` })).json();
    expect(copy).toMatchObject({ type: 'translate', project_id: p.id, input: { target_language: 'de' } });
    const people = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'translation', executor: 'people', project_id: p.id, input: { target_language: 'fr' } },
      })
    ).json();
    const again = await run('duplicate-job', { job_id: people.id });
    const peopleCopy = (await t.call({ method: 'GET', url: `/v1/jobs/${again.output.new_task.id}` })).json();
    expect(peopleCopy).toMatchObject({ executor: 'people', status: 'pending', people: { import_job_id: null } });
    const missing = await run('duplicate-job', { job_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' });
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'job_not_found' } });
  });

  it_('bulk-import creates the valid rows of a CSV and reports each invalid row by row and field', async () => {
    const csv = [
      'type,name,priority,input.target_language',
      'translate,Home page,5,de',
      'Not A Type,Broken,,fr',
      'translate,About page,,german',
      'translate,Contact,high,it',
      '',
      'translate,FAQ,,pt-BR',
    ].join('\r\n');
    const file = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=jobs.csv',
        payload: csv,
        headers: { 'content-type': 'text/csv' },
      })
    ).json();
    const target = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Imported' } })).json();
    const done = await run('bulk-import', { file_id: file.id, project_id: target.id });
    expect(done).toMatchObject({ status: 'succeeded', output: { total: 5, created: 2, failed: 3 } });
    const errors = (await t.call({ method: 'GET', url: `/v1/jobs/${done.id}/errors` })).json().data;
    expect(errors.map((e: { message: string }) => e.message)).toEqual([
      'row 3: type: must be a job type matching ^[a-z][a-z0-9._-]{0,63}$',
      'row 4: target_language: must match pattern "^[a-z]{2,3}(-[A-Z]{2})?$"',
      'row 5: priority: must be a whole number from -1000 to 1000',
    ]);
    const created = (await t.call({ method: 'GET', url: `/v1/projects/${target.id}/jobs` })).json().data;
    expect(created.map((j: { name: string }) => j.name).sort()).toEqual(['FAQ', 'Home page']);
    expect(created.find((j: { name: string }) => j.name === 'Home page')).toMatchObject({
      priority: 5,
      input: { target_language: 'de' },
    });
  });

  it_('bulk-import reads JSON Lines and reports broken lines', async () => {
    const jsonl = [
      '{"type":"translate","input":{"target_language":"es"}}',
      '{"type":"translate",',
      '[1,2]',
      '{"type":"translate","input":{"target_language":"nl"},"colour":"red"}',
    ].join('\n');
    const file = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=jobs.jsonl',
        payload: jsonl,
        headers: { 'content-type': 'application/x-ndjson' },
      })
    ).json();
    const done = await run('bulk-import', { file_id: file.id });
    expect(done.output).toEqual({ total: 4, created: 1, failed: 3 });
    const errors = (await t.call({ method: 'GET', url: `/v1/jobs/${done.id}/errors?page_size=2` })).json();
    expect(errors.data.map((e: { row: number; code: string }) => [e.row, e.code])).toEqual([
      [2, 'invalid_json'],
      [3, 'invalid_row'],
    ]);
    const rest = (
      await t.call({
        method: 'GET',
        url: `/v1/jobs/${done.id}/errors?page_size=2&page_token=${errors.next_page_token}`,
      })
    ).json();
    expect(rest.data).toEqual([
      { row: 4, field: 'colour', code: 'invalid_field', message: 'row 4: colour: is not a known column' },
    ]);
    expect(rest.next_page_token).toBeUndefined();
  });

  it_('bulk-import of a missing file fails with a clear error, and input is validated on creation', async () => {
    const done = await run('bulk-import', { file_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' });
    expect(done).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'file_not_found' } });
    const bad = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'bulk-import', input: { file: 'x' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(
      bad
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['#/input/file', '#/input/file_id']);
  });
});
