import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { jobFiles } from '../../src/services/files.js';
import { jobAttempts } from '../../src/services/job-reads.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// GET /v1/jobs/{id} reads the job, its attempts and its files in one statement; it must show exactly
// what the separate reads show.
const secondTime = defineJob({
  type: 'second-time',
  input: Type.Object({}),
  maxAttempts: 3,
  backoff: { baseMs: 10, maxMs: 10 },
  run: async (ctx) => {
    if (ctx.attempt === 1) throw Object.assign(new Error('not yet'), { code: 'warming_up' });
    await ctx.writeFile('b.txt', 'second file', 'text/plain');
    await ctx.writeFile('a.csv', 'x,y\n1,2\n', 'text/csv');
    return { ok: true };
  },
});

describe.each(DIALECTS)('a job with its attempts and files on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { definitions: [secondTime], worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('shows every attempt in order with its error, and the files by name', async () => {
    const created = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'second-time', input: {} } })
    ).json();
    const job = await t.finished(created.id);
    expect(job.status).toBe('succeeded');
    expect(job.attempt_history).toMatchObject([
      { number: 1, outcome: 'failed', error: { message: 'not yet', code: 'warming_up' } },
      { number: 2, outcome: 'succeeded', error: null },
    ]);
    expect(
      job.files.map((f: { name: string; size: number; content_type: string }) => [f.name, f.size, f.content_type]),
    ).toEqual([
      ['a.csv', 8, 'text/csv'],
      ['b.txt', 11, 'text/plain'],
    ]);
    // The same as the separate reads give.
    const stored = await t.services.store.db
      .selectFrom('jobs')
      .select(['id', 'attempts', 'started_at'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    const attempts = await jobAttempts(t.services, {
      id: stored.id,
      attempts: stored.attempts,
      startedAt: stored.started_at,
    } as never);
    expect(job.attempt_history.map((a: { number: number; outcome: string }) => [a.number, a.outcome])).toEqual(
      attempts.map((a) => [a.number, a.outcome]),
    );
    const files = await jobFiles(t.services, created.id);
    expect(job.files.map((f: { id: string }) => f.id)).toEqual(files.map((f) => f.id));
  });
});
