import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import * as Asana from 'asana';
import { gateway, MemoryStorageFactory } from '@elasticpath/js-sdk';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { BUILTIN_JOBS } from '../../src/jobs/builtin.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { vendorValidator } from './schemas/vendor.js';

const asana = vendorValidator('asana-oas.json');

// The vendors' official SDKs, unchanged but for their base URL, against a server on a real port.
const translate = defineJob({
  type: 'translate',
  input: Type.Object({ language: Type.String({ pattern: '^[a-z]{2}$' }) }),
  run: () => null,
});

describe.each(DIALECTS)('official SDKs against Jobline on %s', (dialect) => {
  let t: TestApp;
  let origin: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { definitions: [...BUILTIN_JOBS, translate] as JobDefinition[], worker: true });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('@elasticpath/js-sdk workflow: authenticate, list, get, cancel and read errors with the SDK', async () => {
    const file = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=products.csv',
        headers: { 'content-type': 'text/csv' },
        payload: 'type,name,input.language\ntranslate,Good,de\ntranslate,Bad,german\n',
      })
    ).json();
    const imported = await t.finished(
      (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          payload: { type: 'bulk-import', input: { file_id: file.id } },
        })
      ).json().id,
    );
    // A scheduled export: a PXM product-export job to cancel. A job of a type PXM has no name for is
    // not shown to an Elastic Path client.
    const scheduled = (
      await t.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'export', input: {}, run_at: new Date(t.services.clock.now() + 3600_000).toISOString() },
      })
    ).json();
    const hidden = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translate', input: { language: 'de' } } })
    ).json();
    const client = (
      await t.call({
        method: 'POST',
        url: '/v1/clients',
        payload: { name: 'sdk', scopes: ['jobs:read', 'jobs:write'] },
      })
    ).json();

    // `protocol` is read by the SDK's Config but missing from its typings, hence the variable.
    const options = {
      client_id: client.client_id,
      client_secret: client.client_secret,
      host: `${origin}/compat/elasticpath`,
      protocol: 'http',
      storage: new MemoryStorageFactory(),
    };
    const ep = gateway(options);
    const all = await ep.PCM.Jobs.All();
    expect(all.data.map((j) => j.id)).toContain(imported.id);
    expect(all.data.map((j) => j.id)).toContain(scheduled.id);
    expect(all.data.map((j) => j.id)).not.toContain(hidden.id);
    expect((all.meta as unknown as { results: { total: number } }).results.total).toBe(all.data.length);
    const paged = await ep.PCM.Jobs.Limit(1).Offset(1).All();
    expect(paged.data).toHaveLength(1);
    expect(paged.data[0]!.id).toBe(all.data[1]!.id);

    const job = await ep.PCM.Jobs.Get(imported.id);
    expect(job.data).toMatchObject({
      type: 'pim-job',
      id: imported.id,
      attributes: { type: 'product-import', status: 'success' },
    });
    const errors = await ep.PCM.Jobs.GetJobErrors(imported.id);
    expect(errors.data).toEqual([
      {
        type: 'pim-job-error',
        id: expect.any(String),
        attributes: { message: expect.stringMatching(/^row 3: language/) },
      },
    ]);

    // The SDK has no method for cancel; its request factory sends the call as its methods do.
    const request = (ep.PCM.Jobs as unknown as { request: { send(...args: unknown[]): Promise<unknown> } }).request;
    const cancelled = (await request.send(
      `jobs/${scheduled.id}/cancel`,
      'POST',
      undefined,
      undefined,
      undefined,
      false,
    )) as {
      data: { attributes: { status: string } };
    };
    expect(cancelled.data.attributes.status).toBe('cancelled');
    await expect(
      request.send(`jobs/${scheduled.id}/cancel`, 'POST', undefined, undefined, undefined, false),
    ).rejects.toMatchObject({ errors: [{ status: '422', title: 'Failed Validation' }] });
    await expect(ep.PCM.Jobs.Get(hidden.id)).rejects.toMatchObject({ errors: [{ status: '404' }] });

    // An unknown job: the SDK rejects with the JSON:API error body.
    await expect(ep.PCM.Jobs.Get('0190f5c8-5f9e-7a41-b1c2-3d4e5f607182')).rejects.toMatchObject({
      errors: [{ status: '404', title: 'Not Found' }],
    });
  });

  it_('asana v3: ProjectsApi.duplicateProject, then JobsApi.getJob shows the finished copy', async () => {
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Launch plan' } })).json();
    await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'translate', project_id: project.id, input: { language: 'de' } },
    });
    const client = new Asana.ApiClient();
    client.basePath = `http://${origin}/compat/asana/api/1.0`;
    (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = await t.token([
      'jobs:read',
      'jobs:write',
    ]);
    const projects = new Asana.ProjectsApi(client);
    const jobs = new Asana.JobsApi(client);

    const started = await projects.duplicateProject(project.id, {
      body: { data: { name: 'Launch plan (copy)', include: ['members', 'task_notes'] } },
      opt_fields: 'status,new_project,new_project.name',
    });
    // An idle worker of the server may already have taken the new job (src/services/handoff.ts).
    expect(started.data).toMatchObject({
      gid: expect.any(String),
      status: expect.stringMatching(/^(not_started|in_progress)$/),
    });
    await t.finished(started.data.gid);
    const done = await jobs.getJob(started.data.gid, {});
    expect(done.data).toMatchObject({
      gid: started.data.gid,
      resource_type: 'job',
      resource_subtype: 'duplicate_project',
      status: 'succeeded',
      new_project: { resource_type: 'project', name: 'Launch plan (copy)' },
    });
    const some = await jobs.getJob(started.data.gid, { opt_fields: ['status', 'new_project.name'] });
    expect(some.data).toEqual({
      gid: started.data.gid,
      status: 'succeeded',
      new_project: { gid: done.data.new_project.gid, name: 'Launch plan (copy)' },
    });

    // Errors reach the caller as Asana's body.
    const failure = await jobs
      .getJob('0190f5c8-5f9e-7a41-b1c2-3d4e5f607182', {})
      .catch((error: { status: number; response: { body: unknown } }) => error);
    expect(failure).toMatchObject({
      status: 404,
      response: { body: { errors: [{ message: 'Unknown object: 0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' }] } },
    });
  });
  it_(
    'asana v3 workflow: duplicate a task, instantiate a template, poll, open the copies, export and read',
    async () => {
      const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Roadmap' } })).json();
      const task = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          payload: {
            type: 'translate',
            name: 'Write release notes',
            project_id: project.id,
            input: { language: 'de' },
          },
        })
      ).json();
      const client = new Asana.ApiClient();
      client.basePath = `http://${origin}/compat/asana/api/1.0`;
      (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = await t.token([
        'jobs:read',
        'jobs:write',
      ]);
      const jobs = new Asana.JobsApi(client);
      /** Polls the job as a client does, until it has finished; every answer is Asana's JobResponse. */
      const poll = async (gid: string) => {
        for (let i = 0; i < 200; i++) {
          const job = await jobs.getJob(gid, {});
          asana('JobResponse', job.data);
          if (job.data.status === 'succeeded' || job.data.status === 'failed') return job.data;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`job ${gid} did not finish`);
      };

      const tasks = new Asana.TasksApi(client);
      const duplicated = await tasks.duplicateTask(
        { data: { name: 'Write release notes (2)', include: 'notes' } },
        task.id,
        {},
      );
      asana('JobResponse', duplicated.data);
      expect(duplicated.data.resource_subtype).toBe('duplicate_task');
      const dupDone = await poll(duplicated.data.gid);
      expect(dupDone).toMatchObject({
        status: 'succeeded',
        new_task: { resource_type: 'task', name: 'Write release notes (2)' },
      });
      const copy = await tasks.getTask(dupDone.new_task.gid, {});
      asana('TaskResponse', copy.data);
      expect(copy.data).toMatchObject({ name: 'Write release notes (2)', projects: [{ gid: project.id }] });

      const templates = new Asana.ProjectTemplatesApi(client);
      const instantiated = await templates.instantiateProject(project.id, { body: { data: { name: 'Roadmap 2027' } } });
      const instDone = await poll(instantiated.data.gid);
      expect(instDone.new_project).toMatchObject({ resource_type: 'project', name: 'Roadmap 2027' });
      const opened = await new Asana.ProjectsApi(client).getProject(instDone.new_project.gid, {});
      expect(opened.data).toMatchObject({
        gid: instDone.new_project.gid,
        name: 'Roadmap 2027',
        resource_type: 'project',
      });

      const exportsApi = new Asana.ExportsApi(client);
      const resource = await exportsApi.createResourceExport({
        data: {
          export_request_parameters: [{ resource_type: 'task', filters: { project: project.id }, fields: ['name'] }],
        },
      });
      const resourceDone = await poll(resource.data.gid);
      const lines = gunzipSync(
        Buffer.from(await (await fetch(resourceDone.new_resource_export.download_url)).arrayBuffer()),
      )
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.name).sort()).toEqual(['Write release notes', 'Write release notes (2)']);

      const graph = await exportsApi.createGraphExport({ data: { parent: project.id } });
      const graphDone = await poll(graph.data.gid);
      expect(graphDone.resource_subtype).toBe('graph_export_request');
      const document = JSON.parse(
        gunzipSync(Buffer.from(await (await fetch(graphDone.new_graph_export.download_url)).arrayBuffer())).toString(
          'utf8',
        ),
      );
      expect(document).toMatchObject({ gid: project.id, resource_type: 'project' });
      expect(document.tasks).toHaveLength(2);
      for (const exported of document.tasks) asana('TaskResponse', exported);

      // Bad input is Asana's 400 body, an unknown object its 404, through the SDK.
      const failure = await tasks
        .duplicateTask({ data: { name: 7 } }, task.id, {})
        .catch((error: { status: number; response: { body: unknown } }) => error);
      expect(failure).toMatchObject({
        status: 400,
        response: { body: { errors: [{ message: expect.stringMatching(/^name:/) }] } },
      });
      const unknown = await exportsApi
        .createGraphExport({ data: { parent: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' } })
        .catch((error: { status: number; response: { body: unknown } }) => error);
      expect(unknown).toMatchObject({ status: 404 });
      asana('ErrorResponse', (unknown as { response: { body: unknown } }).response.body);
    },
  );
});
