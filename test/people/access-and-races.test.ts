import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, peopleJob, provider } from './helpers.js';

describe.each(DIALECTS)('people actions: conflicts, races and provider tokens on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('answers an illegal action with 409, the current status and the allowed actions', async () => {
    const job = await peopleJob(t);
    const res = await act(t, job.id, 'accept_delivery');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'job_state_conflict',
      status: 409,
      job_status: 'pending',
      status_reason: 'new',
      allowed_actions: ['offer', 'accept', 'decline', 'cancel'],
    });
    await act(t, job.id, 'accept');
    const again = await act(t, job.id, 'accept');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ job_status: 'running', allowed_actions: ['deliver', 'reject', 'cancel'] });
    // Machine-job actions do not apply either.
    const retry = await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(retry.statusCode).toBe(409);
    // Offering needs someone to offer it to.
    const bare = await peopleJob(t);
    const offer = await act(t, bare.id, 'offer');
    expect(offer.statusCode).toBe(422);
    expect(offer.json().errors[0].pointer).toBe('#/providers');
  });

  it_('lets exactly one of two racing accepts win', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await provider(t, `A${round}`), await provider(t, `B${round}`, 'vendor')];
      const job = await peopleJob(t, { people: { providers: [a.ref, b.ref] } });
      await act(t, job.id, 'offer');
      const results = await Promise.all([
        act(t, job.id, 'accept', { token: a.token }),
        act(t, job.id, 'accept', { token: b.token }),
      ]);
      // Exactly one wins. The loser learns it either from the guarded update (409), or, when the
      // winner committed before the loser's read, by no longer seeing the job at all (404).
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(1);
      const loserResponse = results.find((r) => r.statusCode !== 200)!;
      expect([404, 409]).toContain(loserResponse.statusCode);
      const winner = results.find((r) => r.statusCode === 200)!.json();
      if (loserResponse.statusCode === 409)
        expect(loserResponse.json()).toMatchObject({
          code: 'job_state_conflict',
          job_status: 'running',
          status_reason: 'accepted',
        });
      // The winner is now the job's only provider; the loser no longer sees it.
      expect(winner.people.providers).toHaveLength(1);
      const loserToken = winner.people.providers[0].id === a.id ? b.token : a.token;
      expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: loserToken })).statusCode).toBe(404);
      const events = (await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/events` })).json().data as {
        type: string;
      }[];
      expect(events.filter((e) => e.type === 'job.action.accept')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'job.running')).toHaveLength(1);
    }
  });

  it_("keeps a provider's token to the jobs assigned to it; an admin sees and acts on all", async () => {
    const mine = await provider(t, 'Mina');
    const theirs = await provider(t, 'Theo');
    const myJob = await peopleJob(t, { people: { providers: [mine.ref] } });
    const theirJob = await peopleJob(t, { people: { providers: [theirs.ref] } });
    await act(t, myJob.id, 'offer');
    await act(t, theirJob.id, 'offer');

    expect((await t.call({ method: 'GET', url: `/v1/jobs/${myJob.id}`, token: mine.token })).statusCode).toBe(200);
    const hidden = await t.call({ method: 'GET', url: `/v1/jobs/${theirJob.id}`, token: mine.token });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('not_found');
    for (const action of ['accept', 'decline', 'deliver'])
      expect((await act(t, theirJob.id, action, { token: mine.token })).statusCode).toBe(404);
    const listed = (await t.call({ method: 'GET', url: '/v1/jobs', token: mine.token })).json().data as {
      id: string;
    }[];
    expect(listed.map((j) => j.id)).toEqual([myJob.id]);
    const paged = (await t.call({ method: 'GET', url: '/v1/jobs?page=1&per_page=10', token: mine.token })).json();
    expect(paged.total).toBe(1);

    // Customer actions, other resources and creating jobs are not for a provider's token.
    expect((await act(t, myJob.id, 'accept', { token: mine.token })).statusCode).toBe(200);
    expect((await act(t, myJob.id, 'reject', { token: mine.token })).statusCode).toBe(403);
    expect((await t.call({ method: 'POST', url: `/v1/jobs/${myJob.id}/cancel`, token: mine.token })).statusCode).toBe(
      403,
    );
    expect(
      (await t.call({ method: 'POST', url: '/v1/jobs', token: mine.token, payload: { type: 'translation' } }))
        .statusCode,
    ).toBe(403);
    expect((await t.call({ method: 'GET', url: '/v1/projects', token: mine.token })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: '/v1/providers', token: mine.token })).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: `/v1/providers/${mine.id}`, token: mine.token })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/providers/${theirs.id}`, token: mine.token })).statusCode).toBe(
      404,
    );

    // The workspace admin sees both and can act for a provider.
    const all = (await t.call({ method: 'GET', url: '/v1/jobs?page_size=100' })).json().data as { id: string }[];
    expect(all.map((j) => j.id)).toEqual(expect.arrayContaining([myJob.id, theirJob.id]));
    const accepted = await act(t, theirJob.id, 'accept');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().people.providers).toEqual([theirs.ref]);

    // Another workspace's token sees neither.
    const stranger = await t.token(['admin'], 'other');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${myJob.id}`, token: stranger })).statusCode).toBe(404);
  });

  it_('edits and removes people jobs only while their project is prepared', async () => {
    const p = await provider(t, 'Edda');
    const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Editable' } })).json();
    const job = await peopleJob(t, { project_id: project.id });
    const spare = await peopleJob(t, { project_id: project.id });
    const edited = await t.call({
      method: 'PATCH',
      url: `/v1/jobs/${job.id}`,
      payload: { providers: [p.ref], due_at: '2026-03-01T12:00:00Z', input: { topic: 'legal' } },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({
      people: { providers: [p.ref], due_at: '2026-03-01T12:00:00.000Z' },
      input: { source_language: 'en', target_language: 'de', topic: 'legal' },
    });
    expect((await t.call({ method: 'DELETE', url: `/v1/jobs/${spare.id}` })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${spare.id}` })).statusCode).toBe(404);
    await t.call({ method: 'POST', url: `/v1/projects/${project.id}/start` });
    const locked = await t.call({ method: 'PATCH', url: `/v1/jobs/${job.id}`, payload: { name: 'Too late' } });
    expect(locked.statusCode).toBe(409);
    expect(locked.json()).toMatchObject({ code: 'project_state_conflict', project_state: 'running' });
    expect((await t.call({ method: 'DELETE', url: `/v1/jobs/${job.id}` })).statusCode).toBe(409);
    const unknown = await t.call({
      method: 'PATCH',
      url: `/v1/jobs/${job.id}`,
      payload: { providers: [{ type: 'user', id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' }] },
    });
    expect(unknown.statusCode).toBe(409);
  });
});
