import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, peopleJob, provider } from './helpers.js';

// A machine handler whose type happens to be a workflow step's name must not take people work.
const translate = defineJob({
  type: 'translation',
  input: Type.Object({}, { additionalProperties: true }),
  run: async () => ({ machine: true }),
});

describe.each(DIALECTS)('people jobs and the engine on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { definitions: [translate], worker: true });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('a worker for the same type runs machine jobs but never claims a people job', async () => {
    const people = await peopleJob(t);
    const machine = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translation', input: {} } })
    ).json();
    expect((await t.finished(machine.id)).output).toEqual({ machine: true });
    // The worker has looked at the queue since the people job was created, and left it alone.
    const after = (await t.call({ method: 'GET', url: `/v1/jobs/${people.id}` })).json();
    expect(after).toMatchObject({ status: 'pending', attempts: 0 });
    const events = (await t.call({ method: 'GET', url: `/v1/jobs/${people.id}/events` })).json().data as {
      type: string;
    }[];
    expect(events.map((e) => e.type)).toEqual(['job.created']);
  });

  it_("a provider's token reads the events of its own jobs only", async () => {
    const mine = await provider(t, 'Ada');
    const other = await provider(t, 'Bo');
    const myJob = await peopleJob(t, { people: { providers: [mine.ref] } });
    const theirJob = await peopleJob(t, { people: { providers: [other.ref] } });
    await act(t, myJob.id, 'offer');
    await act(t, myJob.id, 'accept', { token: mine.token });
    const own = await t.call({ method: 'GET', url: `/v1/jobs/${myJob.id}/events`, token: mine.token });
    expect(own.statusCode).toBe(200);
    expect((own.json().data as { type: string }[]).map((e) => e.type)).toContain('job.action.accept');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${theirJob.id}/events`, token: mine.token })).statusCode).toBe(
      404,
    );
    // The workspace feed shows every job, so it stays closed to provider tokens.
    expect((await t.call({ method: 'GET', url: '/v1/events', token: mine.token })).statusCode).toBe(403);
  });
});
