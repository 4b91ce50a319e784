import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, peopleJob, provider } from './helpers.js';
import { phraseStatus, textkingState } from './vendor-statuses.js';

describe.each(DIALECTS)('vendor statuses through native calls on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  /** Takes one step and asserts the native status and reason, then returns the job. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function step(res: Promise<{ statusCode: number; json(): any }>, status: string, reason: string) {
    const r = await res;
    expect(r.statusCode).toBe(200);
    const job = r.json();
    expect({ status: job.status, status_reason: job.status_reason }).toEqual({ status, status_reason: reason });
    return job;
  }

  it_(
    'reaches every Phrase TMS status: NEW, EMAILED, DECLINED, ACCEPTED, DELIVERED, COMPLETED, REJECTED, CANCELLED',
    async () => {
      const linguist = await provider(t, 'Lena');
      const job = await peopleJob(t, { people: { providers: [linguist.ref] } });
      expect(job).toMatchObject({
        executor: 'people',
        status: 'pending',
        status_reason: 'new',
        people: { providers: [linguist.ref], workflow_level: null },
      });
      expect(phraseStatus(job)).toBe('NEW');
      expect(phraseStatus(await step(act(t, job.id, 'offer'), 'pending', 'offered'))).toBe('EMAILED');
      expect(
        phraseStatus(await step(act(t, job.id, 'decline', { token: linguist.token }), 'pending', 'declined')),
      ).toBe('DECLINED');
      expect(phraseStatus(await step(act(t, job.id, 'offer'), 'pending', 'offered'))).toBe('EMAILED');
      expect(phraseStatus(await step(act(t, job.id, 'accept', { token: linguist.token }), 'running', 'accepted'))).toBe(
        'ACCEPTED',
      );
      expect(
        phraseStatus(await step(act(t, job.id, 'deliver', { token: linguist.token }), 'delivered', 'delivered')),
      ).toBe('DELIVERED');
      const done = await step(act(t, job.id, 'accept_delivery'), 'succeeded', 'delivery_accepted');
      expect(phraseStatus(done)).toBe('COMPLETED');
      expect(done.completed_at).not.toBeNull();

      const second = await peopleJob(t, { people: { providers: [linguist.ref] } });
      await step(act(t, second.id, 'accept', { token: linguist.token }), 'running', 'accepted');
      await step(act(t, second.id, 'deliver', { token: linguist.token }), 'delivered', 'delivered');
      const rejected = await step(
        act(t, second.id, 'reject', { payload: { comment: 'Wrong terminology' } }),
        'failed',
        'rejected',
      );
      expect(phraseStatus(rejected)).toBe('REJECTED');
      expect(rejected.error).toEqual({ message: 'Wrong terminology', code: 'rejected' });

      const third = await peopleJob(t);
      expect(
        phraseStatus(
          await step(
            t.call({ method: 'POST', url: `/v1/jobs/${third.id}/cancel` }),
            'cancelled',
            'cancelled_by_client',
          ),
        ),
      ).toBe('CANCELLED');
      // And a finished job can be opened again.
      expect(phraseStatus(await step(act(t, third.id, 'reopen'), 'pending', 'reopened'))).toBe('NEW');
    },
  );

  it_(
    'reaches every TextKing state: new, translation-pending, translation-delivered, revision-requested, completed, canceled',
    async () => {
      const translator = await provider(t, 'Tom');
      const project = (
        await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'TextKing order' } })
      ).json();
      expect(project.state).toBe('prepared');
      const job = await peopleJob(t, {
        project_id: project.id,
        people: { providers: [translator.ref] },
        input: { source_language: 'de', target_language: 'en', quality: 'translation', topic: 'legal', briefing: null },
      });
      const projectState = async () =>
        (await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).json().state as string;
      expect(textkingState(job, await projectState())).toBe('new');
      // Starting the project offers its jobs to their providers.
      const started = await t.call({ method: 'POST', url: `/v1/projects/${project.id}/start` });
      expect(started.json().state).toBe('running');
      const offered = (await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).json();
      expect(offered).toMatchObject({ status: 'pending', status_reason: 'offered' });
      expect(textkingState(offered, await projectState())).toBe('translation-pending');
      expect(
        textkingState(
          await step(act(t, job.id, 'accept', { token: translator.token }), 'running', 'accepted'),
          'running',
        ),
      ).toBe('translation-pending');
      expect(
        textkingState(
          await step(act(t, job.id, 'deliver', { token: translator.token }), 'delivered', 'delivered'),
          'running',
        ),
      ).toBe('translation-delivered');
      expect(
        textkingState(
          await step(
            act(t, job.id, 'request_revision', { payload: { comment: 'Use the formal you' } }),
            'running',
            'revision_requested',
          ),
          'running',
        ),
      ).toBe('revision-requested');
      expect(
        textkingState(
          await step(act(t, job.id, 'deliver', { token: translator.token }), 'delivered', 'delivered'),
          'running',
        ),
      ).toBe('translation-delivered');
      expect(
        textkingState(await step(act(t, job.id, 'accept_delivery'), 'succeeded', 'delivery_accepted'), 'running'),
      ).toBe('completed');
      // Its only job is done, so the project is finished.
      expect(await projectState()).toBe('finished');

      const other = (
        await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Cancelled order' } })
      ).json();
      const doomed = await peopleJob(t, { project_id: other.id });
      const cancelled = await t.call({ method: 'POST', url: `/v1/projects/${other.id}/cancel` });
      expect(cancelled.json().state).toBe('cancelled');
      const read = (await t.call({ method: 'GET', url: `/v1/jobs/${doomed.id}` })).json();
      expect(read).toMatchObject({ status: 'cancelled', status_reason: 'cancelled_by_client' });
      expect(textkingState(read, 'cancelled')).toBe('canceled');
    },
  );

  it_('lists every action in the job events with its actor and time', async () => {
    const linguist = await provider(t, 'Ada');
    const job = await peopleJob(t, { people: { providers: [linguist.ref] } });
    await act(t, job.id, 'offer');
    await act(t, job.id, 'accept', { token: linguist.token });
    await act(t, job.id, 'deliver', { token: linguist.token });
    await act(t, job.id, 'request_revision', { payload: { comment: 'again' } });
    await act(t, job.id, 'deliver', { token: linguist.token });
    await act(t, job.id, 'accept_delivery');
    const events = (await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/events?page_size=100` })).json().data as {
      type: string;
      actor: string | null;
      created_at: string;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      data: any;
    }[];
    const actions = events.filter((e) => e.type.startsWith('job.action.'));
    expect(actions.map((e) => [e.type, e.actor?.split(':')[0]])).toEqual([
      ['job.action.offer', 'token'],
      ['job.action.accept', 'provider'],
      ['job.action.deliver', 'provider'],
      ['job.action.request_revision', 'token'],
      ['job.action.deliver', 'provider'],
      ['job.action.accept_delivery', 'token'],
    ]);
    expect(actions[1]!.actor).toBe(`provider:${linguist.id}`);
    expect(actions[3]!.data).toMatchObject({
      action: 'request_revision',
      from: 'delivered',
      to: 'running',
      comment: 'again',
    });
    for (const e of actions) expect(Date.parse(e.created_at)).toBeGreaterThan(0);
    // Each action is followed by the status change it caused.
    expect(events.map((e) => e.type)).toEqual([
      'job.created',
      'job.action.offer',
      'job.pending',
      'job.action.accept',
      'job.running',
      'job.action.deliver',
      'job.delivered',
      'job.action.request_revision',
      'job.running',
      'job.action.deliver',
      'job.delivered',
      'job.action.accept_delivery',
      'job.succeeded',
    ]);
  });
});
