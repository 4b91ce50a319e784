import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, defineJob, JoblineClient } from '../../src/index.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// JoblineClient's flow control of job types against a listening server (docs/flow-control.md).

const declared = defineJob({ type: 'declared', flow: { concurrency: 5 }, run: () => null });

describe.each(DIALECTS)('JoblineClient flow control on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function start(): Promise<{ t: TestApp; url: string }> {
    t = await testApp(dialect, { definitions: [declared] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    return { t, url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
  }

  it_("reads, replaces, pauses, resumes and deletes a type's flow control", async () => {
    const { t, url } = await start();
    const client = new JoblineClient(url, t.admin);
    expect(await client.getJobTypeFlow('declared')).toMatchObject({
      type: 'declared',
      source: 'code',
      concurrency: 5,
      paused: false,
    });
    const set = await client.setJobTypeFlow('declared', {
      concurrency: 2,
      rate_limit: { limit: 10, interval_ms: 1000 },
      deduplication: { replace_input: true },
    });
    expect(set).toMatchObject({
      source: 'api',
      concurrency: 2,
      key_concurrency: null,
      rate_limit: { limit: 10, interval_ms: 1000, per_key: false },
      deduplication: { include_running: false, replace_input: true },
    });
    expect(await client.jobTypeAction('declared', 'pause')).toMatchObject({ paused: true, concurrency: 2 });
    // The pause holds: a create is accepted and its job waits.
    const job = await client.createJob({ type: 'declared' });
    expect(job.status).toBe('pending');
    expect(await client.jobTypeAction('declared', 'resume')).toMatchObject({ paused: false, concurrency: 2 });
    expect(await client.deleteJobTypeFlow('declared')).toMatchObject({ source: 'code', concurrency: 5 });
  });

  it_('throws the 422 with a pointer per bad field, and a 403 without admin', async () => {
    const { t, url } = await start();
    const bad = await new JoblineClient(url, t.admin)
      .setJobTypeFlow('declared', { concurrency: 2, key_concurrency: 3 })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).status).toBe(422);
    expect((bad as ApiError).problem.errors).toEqual([expect.objectContaining({ pointer: '#/key_concurrency' })]);
    const reader = new JoblineClient(url, await t.token(['jobs:read']));
    expect((await reader.getJobTypeFlow('declared')).source).toBe('code');
    const denied = await reader.jobTypeAction('declared', 'pause').catch((e: unknown) => e);
    expect((denied as ApiError).status).toBe(403);
  });
});
