import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import type { LightMyRequestResponse } from 'fastify';
import { gunzipSync } from 'node:zlib';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { BUILTIN_JOBS } from '../../src/jobs/builtin.js';
import { claimJobs } from '../../src/store/queue.js';
import { authenticate } from '../../src/services/tokens.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import * as schemas from './schemas/asana.js';
import { validator } from './schemas/validate.js';
import { vendorValidator } from './schemas/vendor.js';

const closed = validator([schemas.job, schemas.jobResponse, schemas.jobData, schemas.error]);
const vendor = vendorValidator('asana-oas.json');
/** Each body against the closed schema beside this test and against Asana's own (asana_oas.yaml). */
const VENDOR_SCHEMAS: Record<string, (body: { data?: unknown }) => void> = {
  'asana-job-response': (body) => vendor('JobResponse', body.data),
  'asana-job-data': (body) => vendor('JobResponse', body.data),
  'asana-error': (body) => vendor('ErrorResponse', body),
  'asana-task': (body) => vendor('TaskResponse', body),
};
function expectValid(id: string, body: { data?: unknown }): void {
  if (id !== 'asana-task') closed(id, body);
  VENDOR_SCHEMAS[id]!(body);
}
const ASANA = '/compat/asana/api/1.0';
/** A new job's status: an idle worker of the same process may already have taken it (src/services/handoff.ts). */
const FRESH = /^(not_started|in_progress)$/;
const UNKNOWN = '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182';
const translate = defineJob({ type: 'translate', input: Type.Object({ language: Type.String() }), run: () => null });

function expectError(res: LightMyRequestResponse, status: number, message?: string | RegExp): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expectValid('asana-error', body);
  expect(body.errors[0].help).toMatch(/errors/);
  if (message !== undefined) expect(body.errors[0].message).toMatch(message);
}

describe.each(DIALECTS)('Asana compatible API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect))
      t = await testApp(dialect, { definitions: [...BUILTIN_JOBS, translate] as JobDefinition[], worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const get = (url: string, token: string | null = t.admin) =>
    t.app.inject({
      method: 'GET',
      url: `${ASANA}${url}`,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  const post = (url: string, payload: unknown, token: string = t.admin) =>
    t.app.inject({
      method: 'POST',
      url: `${ASANA}${url}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=UTF-8' },
      payload: JSON.stringify(payload),
    });

  async function project(name: string, jobs = 0) {
    const p = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name } })).json();
    for (let i = 0; i < jobs; i++)
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'translate', project_id: p.id, input: { language: 'de' } },
      });
    return p;
  }

  async function native(type: string, input: object, extra: object = {}) {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  describe('GET /jobs/{job_gid}', () => {
    it_("gives the seed's example shape with every member, for a duplication that succeeded", async () => {
      const p = await project('Stuff to buy', 2);
      const created = await post(`/projects/${p.id}/duplicate`, {
        data: { name: 'Stuff to buy (copy)', include: 'members,notes,task_notes' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const job = created.json().data;
      expect(created.headers.location).toBe(`${ASANA}/jobs/${job.gid}`);
      expect(job).toMatchObject({
        resource_type: 'job',
        resource_subtype: 'duplicate_project',
        status: expect.stringMatching(FRESH),
      });
      // Members the job has not made yet are left out (the schema lets only new_task be null).
      expect(job).not.toHaveProperty('new_project');
      await t.finished(job.gid);
      const res = await get(`/jobs/${job.gid}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('asana-job-response', body);
      expect(body.data).toMatchObject({
        gid: job.gid,
        resource_type: 'job',
        resource_subtype: 'duplicate_project',
        status: 'succeeded',
        new_task: null,
      });
      for (const absent of ['new_project_template', 'new_graph_export', 'new_resource_export'])
        expect(body.data).not.toHaveProperty(absent);
      expect(body.data.new_project).toEqual({
        gid: expect.any(String),
        resource_type: 'project',
        name: 'Stuff to buy (copy)',
      });
      const copy = (await t.call({ method: 'GET', url: `/v1/projects/${body.data.new_project.gid}/jobs` })).json();
      expect(copy.data).toHaveLength(2);
    });

    it_('renders every documented status: not_started, in_progress, succeeded, failed', async () => {
      const later = t.services.clock.now() + 3600_000;
      const scheduled = await native('export', {}, { run_at: new Date(later).toISOString(), priority: 1000 });
      const pending = await native(
        'duplicate-project',
        { project_id: UNKNOWN },
        { run_at: new Date(later).toISOString() },
      );
      const [claimed] = await claimJobs(t.services.store, {
        workerId: 'test-worker',
        types: ['export'],
        limit: 1,
        leaseMs: 3600_000,
        now: later,
      });
      expect(claimed!.id).toBe(scheduled.id);
      const status = async (id: string) => {
        const res = await get(`/jobs/${id}`);
        expectValid('asana-job-response', res.json());
        return res.json().data.status as string;
      };
      const notStarted = await native('export', {}, { run_at: new Date(later).toISOString() });
      const succeeded = await t.finished((await native('export', {})).id);
      const failed = await t.finished((await native('duplicate-project', { project_id: UNKNOWN })).id);
      const cancelled = (await t.call({ method: 'POST', url: `/v1/jobs/${pending.id}/cancel` })).json();
      expect(await status(notStarted.id)).toBe('not_started');
      expect(await status(scheduled.id)).toBe('in_progress');
      expect(await status(succeeded.id)).toBe('succeeded');
      expect(await status(failed.id)).toBe('failed');
      // Asana has no cancelled job: a cancelled one did not succeed.
      expect(await status(cancelled.id)).toBe('failed');
    });

    it_('keeps only the opt_fields asked for, and always gid; opt_pretty indents', async () => {
      const done = await t.finished((await native('export', {})).id);
      const only = await get(`/jobs/${done.id}?opt_fields=status,new_resource_export.download_url`);
      expect(only.statusCode).toBe(200);
      expectValid('asana-job-data', only.json());
      expect(only.json()).toEqual({
        data: {
          gid: done.id,
          status: 'succeeded',
          new_resource_export: {
            gid: done.id,
            download_url: expect.stringMatching(
              /^http:\/\/localhost:80\/compat\/asana\/api\/1.0\/exports\/resource\/files\//,
            ),
          },
        },
      });
      // A bare object field is its compact reference; the legacy this.(a|b) form works too.
      const compact = (
        await get(`/jobs/${done.id}?opt_fields=new_resource_export,this.(resource_subtype|status)`)
      ).json();
      expect(compact).toEqual({
        data: {
          gid: done.id,
          new_resource_export: { gid: done.id, resource_type: 'export_request' },
          resource_subtype: 'export_request',
          status: 'succeeded',
        },
      });
      // The SDK's array form: opt_fields[0]=…&opt_fields[1]=…
      const sdk = (await get(`/jobs/${done.id}?opt_fields%5B0%5D=status&opt_fields%5B1%5D=resource_subtype`)).json();
      expect(sdk).toEqual({ data: { gid: done.id, status: 'succeeded', resource_subtype: 'export_request' } });
      const pretty = await get(`/jobs/${done.id}?opt_fields=status&opt_pretty`);
      expect(pretty.body).toBe(JSON.stringify({ data: { gid: done.id, status: 'succeeded' } }, null, 2));
      expect((await get(`/jobs/${done.id}?opt_pretty=false`)).body).not.toContain('\n');
    });

    it_('shows a job of another type with its Jobline type as resource_subtype', async () => {
      const job = await native('translate', { language: 'de' });
      const body = (await get(`/jobs/${job.id}`)).json();
      expectValid('asana-job-response', body);
      expect(body.data.resource_subtype).toBe('translate');
    });

    it_("answers an unknown or another workspace's job with 404 and a malformed gid with 400", async () => {
      expectError(await get(`/jobs/${UNKNOWN}`), 404, `Unknown object: ${UNKNOWN}`);
      const other = await t.token(['jobs:write'], 'elsewhere');
      const theirs = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          token: other,
          payload: { type: 'translate', input: { language: 'de' } },
        })
      ).json();
      expectError(await get(`/jobs/${theirs.id}`), 404);
      expectError(await get('/jobs/12345'), 400, 'job_gid: Not a recognized ID: 12345');
    });

    it_('answers a missing or invalid token with 401 "Not Authorized" and a missing scope with 403', async () => {
      expectError(await get(`/jobs/${UNKNOWN}`, null), 401, 'Not Authorized');
      expectError(await get(`/jobs/${UNKNOWN}`, 'nonsense'), 401, 'Not Authorized');
      const reader = await t.token(['jobs:read']);
      const p = await project('Read only');
      expectError(await post(`/projects/${p.id}/duplicate`, { data: { name: 'x' } }, reader), 403, /jobs:write/);
    });
  });

  describe('POST /projects/{project_gid}/duplicate', () => {
    it_('needs data.name and a known project: 400 and 404 otherwise', async () => {
      const p = await project('Source');
      expectError(await post(`/projects/${p.id}/duplicate`, {}), 400, 'data: Missing input');
      expectError(await post(`/projects/${p.id}/duplicate`, { data: {} }), 400, 'name: Missing input');
      expectError(await post(`/projects/${p.id}/duplicate`, { data: { name: 42 } }), 400, /^name: /);
      expectError(
        await post(`/projects/${UNKNOWN}/duplicate`, { data: { name: 'x' } }),
        404,
        `Unknown object: ${UNKNOWN}`,
      );
      expectError(
        await post('/projects/123/duplicate', { data: { name: 'x' } }),
        400,
        'project: Not a recognized ID: 123',
      );
      const malformed = await t.app.inject({
        method: 'POST',
        url: `${ASANA}/projects/${p.id}/duplicate`,
        headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
        payload: '{"data":',
      });
      expectError(malformed, 400);
    });

    it_('takes opt_fields from the options member of the body', async () => {
      const p = await project('Options');
      const res = await post(`/projects/${p.id}/duplicate`, {
        data: { name: 'Copy' },
        options: { fields: ['status'], pretty: true },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().data.status).toMatch(FRESH);
      expect(res.body).toBe(
        JSON.stringify({ data: { gid: res.json().data.gid, status: res.json().data.status } }, null, 2),
      );
    });
  });

  describe('POST /exports/resource', () => {
    it_("exports a project's tasks (jobs) with a download_url that needs no token", async () => {
      const p = await project('Exported', 2);
      const res = await post('/exports/resource', {
        data: { workspace: '1', export_request_parameters: [{ resource_type: 'task', filters: { project: p.id } }] },
      });
      expect(res.statusCode, res.body).toBe(201);
      const job = res.json().data;
      expect(job).toMatchObject({
        resource_subtype: 'export_request',
        status: expect.stringMatching(FRESH),
        new_resource_export: { gid: job.gid, resource_type: 'export_request', download_url: null },
      });
      // completed_at is not nullable in Asana's schema: absent until the export is complete.
      expect(job.new_resource_export).not.toHaveProperty('completed_at');
      await t.finished(job.gid);
      const body = (await get(`/jobs/${job.gid}`)).json();
      expectValid('asana-job-response', body);
      expect(body.data.status).toBe('succeeded');
      expect(body.data.new_resource_export.completed_at).toEqual(expect.any(String));
      const url = new URL(body.data.new_resource_export.download_url);
      const download = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
      expect(download.statusCode).toBe(200);
      const lines = gunzipSync(download.rawPayload).toString('utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
    });

    it_('writes Asana tasks, applies filters and fields, exports the team, several parameter sets', async () => {
      const p = await project('Filtered', 2);
      const other = await project('Other', 1);
      const cutoff = '2000-01-01T00:00:00Z';
      const res = await post('/exports/resource', {
        data: {
          export_request_parameters: [
            {
              resource_type: 'task',
              filters: { project: p.id, 'created_at.after': cutoff },
              fields: ['name', 'completed'],
            },
            { resource_type: 'task', filters: { project: other.id } },
            { resource_type: 'team' },
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      await t.finished(res.json().data.gid);
      const body = (await get(`/jobs/${res.json().data.gid}`)).json();
      const url = new URL(body.data.new_resource_export.download_url);
      const download = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
      expect(download.statusCode).toBe(200);
      const lines = gunzipSync(download.rawPayload)
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ resource_type: 'team', gid: expect.any(String) });
      const tasks = lines.slice(1);
      // The first set keeps only name and completed (and gid); the second every default member.
      const filtered = tasks.filter((l) => !('resource_type' in l));
      expect(filtered).toHaveLength(2);
      for (const task of filtered) expect(Object.keys(task).sort()).toEqual(['completed', 'gid', 'name']);
      const whole = tasks.filter((l) => 'resource_type' in l);
      expect(whole).toHaveLength(1);
      expect(whole[0]).toMatchObject({
        resource_type: 'task',
        resource_subtype: 'default_task',
        completed: expect.any(Boolean),
        projects: [{ gid: other.id, resource_type: 'project' }],
      });
      for (const task of whole) expectValid('asana-task', task);
      // A date filter in the future leaves nothing; a tampered link is refused.
      const none = await post('/exports/resource', {
        data: {
          export_request_parameters: [{ filters: { project: p.id, 'created_at.after': '2999-01-01T00:00:00Z' } }],
        },
      });
      await t.finished(none.json().data.gid);
      const noneUrl = new URL(
        (await get(`/jobs/${none.json().data.gid}`)).json().data.new_resource_export.download_url,
      );
      const empty = await t.app.inject({ method: 'GET', url: `${noneUrl.pathname}${noneUrl.search}` });
      expect(gunzipSync(empty.rawPayload).toString('utf8')).toBe('');
      expectError(await t.app.inject({ method: 'GET', url: `${url.pathname}?expires=1&signature=x` }), 403);
      const native = new URL(body.data.new_resource_export.download_url);
      expectError(
        await t.app.inject({
          method: 'GET',
          url: `${native.pathname.replace(/files\/.*/, 'files/not-a-file')}${native.search}`,
        }),
        403,
      );
    });

    it_('refuses unknown resource types, filters Jobline cannot apply, bad values and an unknown project', async () => {
      const bad = async (parameters: unknown, pattern: RegExp) =>
        expectError(await post('/exports/resource', { data: { export_request_parameters: parameters } }), 400, pattern);
      await bad([{ resource_type: 'message' }], /resource_type/);
      await bad([{ resource_type: 'task', filters: { 'liked_by.any': ['1'] } }], /does not record/);
      await bad([{ filters: { 'created_at.after': 'yesterday' } }], /date-time/);
      await bad([{ filters: { 'assignee.any': 'me' } }], /array/);
      await bad([{ filters: { color: 'red' } }], /Unknown filter/);
      await bad([{ fields: 'name' }], /fields/);
      await bad([{ resource_type: 'team', filters: { project: UNKNOWN } }], /teams take no filters/);
      await bad([], /from 1 to 20/);
      await bad('task', /not an array/);
      await bad([7], /not an object/);
      expectError(
        await post('/exports/resource', {
          data: { export_request_parameters: [{ resource_type: 'task', filters: { project: UNKNOWN } }] },
        }),
        404,
      );
      expectError(await post('/exports/resource', { nothing: true }), 400, 'data: Missing input');
    });
  });

  describe('duplicate task, instantiate project, graph export, tasks and projects', () => {
    it_("answers bad input with 400 and unknown objects with 404, in Asana's body", async () => {
      const p = await project('Inputs', 1);
      const [task] = (await t.call({ method: 'GET', url: `/v1/projects/${p.id}/jobs` })).json().data;
      const cases: [Promise<LightMyRequestResponse>, number, RegExp][] = [
        [post('/tasks/nope/duplicate', { data: {} }), 400, /^task: Not a recognized ID/],
        [post(`/tasks/${UNKNOWN}/duplicate`, { data: {} }), 404, /Unknown object/],
        [post(`/tasks/${task.id}/duplicate`, { data: { name: 7 } }), 400, /^name:/],
        [post(`/tasks/${task.id}/duplicate`, { data: { name: 'x', include: 7 } }), 400, /^include:/],
        [post(`/tasks/${task.id}/duplicate`, {}), 400, /^data: Missing input/],
        [post(`/project_templates/${p.id}/instantiateProject`, { data: {} }), 400, /^name: Missing input/],
        [post(`/project_templates/${UNKNOWN}/instantiateProject`, { data: { name: 'x' } }), 404, /Unknown object/],
        [post('/project_templates/x/instantiateProject', { data: { name: 'x' } }), 400, /Not a recognized ID/],
        [
          post(`/project_templates/${p.id}/instantiateProject`, { data: { name: 'x', requested_dates: 'soon' } }),
          400,
          /^requested_dates:/,
        ],
        [post('/exports/graph', { data: {} }), 400, /^parent: Missing input/],
        [post('/exports/graph', { data: { parent: 12 } }), 400, /^parent: Value is not a string/],
        [post('/exports/graph', { data: { parent: 'goal-1' } }), 400, /^parent: Not a recognized ID/],
        [post('/exports/graph', { data: { parent: UNKNOWN } }), 404, /Unknown object/],
        [get('/tasks/nope'), 400, /Not a recognized ID/],
        [get(`/tasks/${UNKNOWN}`), 404, /Unknown object/],
        [get(`/projects/${UNKNOWN}`), 404, /Unknown object/],
      ];
      for (const [res, status, message] of cases) expectError(await res, status, message);
      const reader = await t.token(['jobs:read']);
      expectError(await post(`/tasks/${task.id}/duplicate`, { data: {} }, reader), 403);
    });

    it_('duplicates a task into its project and exports the workspace graph as a team', async () => {
      const p = await project('Source', 1);
      const [task] = (await t.call({ method: 'GET', url: `/v1/projects/${p.id}/jobs` })).json().data;
      const res = await post(`/tasks/${task.id}/duplicate`, { data: { name: 'Second' } });
      expect(res.statusCode, res.body).toBe(201);
      expectValid('asana-job-response', res.json());
      await t.finished(res.json().data.gid);
      const done = (await get(`/jobs/${res.json().data.gid}`)).json();
      expectValid('asana-job-response', done);
      expect(done.data).toMatchObject({ resource_subtype: 'duplicate_task', status: 'succeeded' });
      const copy = (await get(`/tasks/${done.data.new_task.gid}?opt_fields=name,projects`)).json();
      expect(copy.data).toEqual({
        gid: done.data.new_task.gid,
        name: 'Second',
        projects: [{ gid: p.id, resource_type: 'project' }],
      });
      const native = (await t.call({ method: 'GET', url: `/v1/jobs/${done.data.new_task.gid}` })).json();
      expect(native).toMatchObject({
        type: 'translate',
        project_id: p.id,
        input: { language: 'de' },
        status: expect.any(String),
      });

      const workspace = (await t.call({ method: 'GET', url: `/v1/jobs/${task.id}` })).json();
      const parent = (await authenticate(t.services, t.admin))!.workspaceId;
      const graph = await post('/exports/graph', { data: { parent } });
      expect(graph.statusCode, graph.body).toBe(201);
      await t.finished(graph.json().data.gid);
      const graphJob = (await get(`/jobs/${graph.json().data.gid}`)).json();
      expectValid('asana-job-response', graphJob);
      const url = new URL(graphJob.data.new_graph_export.download_url);
      const body = JSON.parse(
        gunzipSync((await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })).rawPayload).toString(
          'utf8',
        ),
      );
      expect(body).toMatchObject({ gid: parent, resource_type: 'team' });
      expect(body.tasks.map((x: { gid: string }) => x.gid)).toContain(workspace.id);
      // The resource route does not open a graph export's file with its signature.
      const wrong = `${url.pathname.replace('/exports/graph/', '/exports/resource/')}${url.search}`;
      expectError(await t.app.inject({ method: 'GET', url: wrong }), 403);
    });
  });

  describe('unknown routes and methods under the prefix', () => {
    it_('answer 404 in the Asana error body, never as problem details', async () => {
      expectError(await get('/tags/1'), 404);
      expectError(
        await t.app.inject({
          method: 'DELETE',
          url: `${ASANA}/jobs/${UNKNOWN}`,
          headers: { authorization: `Bearer ${t.admin}` },
        }),
        404,
      );
      expectError(await t.app.inject({ method: 'GET', url: '/compat/asana/other' }), 404);
    });
  });
});

describe.each(DIALECTS)('Asana mounted at the root on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { compatAtRoot: ['asana'] });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('serves /api/1.0/jobs beside the native API', async () => {
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'thumbnail' } })).json();
    const res = await t.call({ method: 'GET', url: `/api/1.0/jobs/${job.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ gid: job.id, status: 'not_started', resource_subtype: 'thumbnail' });
    expectError(await t.call({ method: 'GET', url: '/api/1.0/nothing' }), 404);
    expect((await t.call({ method: 'GET', url: `/compat/asana/api/1.0/jobs/${job.id}` })).statusCode).toBe(200);
  });
});
