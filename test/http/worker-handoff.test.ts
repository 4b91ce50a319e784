import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { authenticate } from '../../src/services/tokens.js';
import { claimRemote } from '../../src/services/worker-claims.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { until } from '../support/until.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// A remote worker's waiting claim takes a job created in the same process as it is inserted (the
// handoff of services/handoff.ts), as an idle in-process worker does: the creating request answers a
// job already running, and the claim answers that job with a lease that works.

const definitions = [defineJob({ type: 'remote', run: () => null }), defineJob({ type: 'other', run: () => null })];

describe.each(DIALECTS)('a waiting remote claim on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function setup(): Promise<{ t: TestApp; work: string }> {
    t = await testApp(dialect, { definitions });
    return { t, work: await t.token(['jobs:work']) };
  }
  const claim = (t: TestApp, token: string, body: object) =>
    t.call({ method: 'POST', url: '/v1/worker/claims', payload: body, token });
  const create = async (t: TestApp, payload: object, token?: string) => {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', payload, ...(token ? { token } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  /** Resolves once the claim is waiting (its first look found nothing). */
  const waiting = (t: TestApp) =>
    until('the claim to wait', async () => ((t.services.handoff as any).targets.length > 0 ? true : undefined));

  it_('takes a job created while it waits, inserted already claimed by it', async () => {
    const { t, work } = await setup();
    const claimed = claim(t, work, { worker: 'py-1', types: ['remote'], limit: 5, wait: 10 });
    await waiting(t);
    const created = await create(t, { type: 'remote', input: { n: 1 } });
    expect(created).toMatchObject({ status: 'running', attempts: 1 });
    const res = await claimed;
    expect(res.statusCode, res.body).toBe(200);
    const [c, ...rest] = res.json().data;
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ id: created.id, type: 'remote', input: { n: 1 }, attempt: 1 });
    const done = await t.call({
      method: 'POST',
      url: `/v1/worker/jobs/${c.id}/complete`,
      payload: { lease: c.lease.token, output: { ok: true } },
      token: work,
    });
    expect(done.statusCode, done.body).toBe(200);
    const job = (await t.call({ method: 'GET', url: `/v1/jobs/${c.id}` })).json();
    expect(job).toMatchObject({ status: 'succeeded', output: { ok: true } });
    expect(job.attempt_history).toMatchObject([
      { number: 1, outcome: 'succeeded', worker: expect.stringMatching(/^py-1#/) },
    ]);
    const events = (await t.call({ method: 'GET', url: `/v1/jobs/${c.id}/events` })).json();
    expect(events.data.map((e: any) => e.type)).toEqual(['job.created', 'job.running', 'job.succeeded']);
    expect((t.services.handoff as any).targets).toEqual([]);
  });

  it_('takes no more than its limit, and leaves the rest queued in order', async () => {
    const { t, work } = await setup();
    const claimed = claim(t, work, { worker: 'w', types: ['remote'], limit: 2, wait: 10 });
    await waiting(t);
    const batch = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: [1, 2, 3].map((n) => ({ type: 'remote', input: { n } })) },
    });
    expect(batch.statusCode, batch.body).toBe(201);
    const jobs = batch.json().data;
    expect(jobs.map((j: any) => j.status)).toEqual(['running', 'running', 'pending']);
    const res = await claimed;
    expect(res.json().data.map((c: any) => c.input.n)).toEqual([1, 2]);
    const next = await claim(t, work, { worker: 'w', types: ['remote'], limit: 5 });
    expect(next.json().data.map((c: any) => c.input.n)).toEqual([3]);
  });

  it_('is handed no job of another type or another workspace', async () => {
    const { t, work } = await setup();
    const other = await t.token(['admin'], 'globex');
    const claimed = claim(t, work, { worker: 'w', types: ['remote'], wait: 1 });
    await waiting(t);
    expect(await create(t, { type: 'remote' }, other)).toMatchObject({ status: 'pending' });
    expect(await create(t, { type: 'other' })).toMatchObject({ status: 'pending' });
    const res = await claimed;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([]);
  });

  it_('gives the job back to the queue when the worker went away while it was inserted', async () => {
    const { t, work } = await setup();
    const principal = (await authenticate(t.services, work))!;
    const offer = t.services.handoff.offer.bind(t.services.handoff);
    for (let i = 0; ; i++) {
      const abort = new AbortController();
      const claimed = claimRemote(t.services, principal, {
        worker: 'gone',
        types: ['remote'],
        limit: 1,
        leaseMs: 60_000,
        waitMs: 10_000,
        signal: abort.signal,
      });
      await waiting(t);
      // The client goes away between the reservation and the insert's commit.
      t.services.handoff.offer = (jobs, now) => {
        const handover = offer(jobs, now);
        abort.abort();
        return handover;
      };
      const created = await create(t, { type: 'remote' });
      const got = await claimed;
      if (created.status !== 'running') {
        // On a loaded machine the claim can be between two of its waits when the job is inserted: the
        // job is then pending, or taken by the claim's next look. Take it out of the way, try again.
        t.services.handoff.offer = offer;
        if (got.length === 0) await claim(t, work, { worker: 'drain', types: ['remote'] });
        if (i === 5) throw new Error('the insert never found the claim waiting');
        continue;
      }
      expect(got).toEqual([]);
      const job = (await t.call({ method: 'GET', url: `/v1/jobs/${created.id}` })).json();
      expect(job).toMatchObject({ status: 'pending', attempts: 0 });
      const again = await claim(t, work, { worker: 'next', types: ['remote'] });
      expect(again.json().data.map((c: any) => c.id)).toEqual([created.id]);
      return;
    }
  });
});
