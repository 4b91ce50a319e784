import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpired } from '../../src/services/retention.js';
import { claimJobs, completeJobs } from '../../src/store/queue.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('batch creation and retention on %s', (dialect) => {
  let t: TestApp;
  const clock = new TestClock(Date.now());
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { clock });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const count = async (type: string) =>
    (await t.call({ method: 'GET', url: `/v1/jobs?type=${type}&page=1&per_page=1` })).json().total as number;

  it_('creates a batch whose jobs depend on each other by ref', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: {
        jobs: [
          { type: 'chain', ref: 'extract', name: 'extract' },
          { type: 'chain', ref: 'transform', depends_on: ['extract'] },
          { type: 'chain', depends_on: ['transform', 'extract'] },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    const [a, b, c] = res.json().data;
    expect(a).toMatchObject({ status: 'pending', status_reason: 'queued' });
    expect(b).toMatchObject({ status: 'pending', status_reason: 'waiting' });
    expect(c).toMatchObject({ status: 'pending', status_reason: 'waiting' });
    // Cancelling the first fails everything downstream, saying which job it waited for.
    await t.call({ method: 'POST', url: `/v1/jobs/${a.id}/cancel` });
    const last = (await t.call({ method: 'GET', url: `/v1/jobs/${c.id}` })).json();
    expect(last).toMatchObject({ status: 'failed', status_reason: 'dependency_failed' });
  });

  it_('creates nothing when the batch has a cycle, an unknown reference or a bad item', async () => {
    const cycle = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: {
        jobs: [
          { type: 'loop', ref: 'a', depends_on: ['b'] },
          { type: 'loop', ref: 'b', depends_on: ['a'] },
          { type: 'loop' },
        ],
      },
    });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().errors[0].detail).toContain('cycle');
    const unknown = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: [{ type: 'loop' }, { type: 'loop', depends_on: ['nope'] }] },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].pointer).toBe('#/jobs/1/depends_on');
    const bad = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: [{ type: 'loop' }, { type: 'Not A Type' }] },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].pointer).toBe('#/jobs/1/type');
    const tooMany = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: Array.from({ length: 1001 }, () => ({ type: 'loop' })) },
    });
    expect(tooMany.statusCode).toBe(422);
    expect(await count('loop')).toBe(0);
  });

  it_('creates 1,000 jobs in one request', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/jobs:batch',
      payload: { jobs: Array.from({ length: 1000 }, (_, i) => ({ type: 'bulk', input: { i } })) },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toHaveLength(1000);
    expect(await count('bulk')).toBe(1000);
  });

  it_('answers 410 Gone for a finished job past the retention period, and lists it no more', async () => {
    const job = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'short-lived', input: { secret: 'x' } } })
    ).json();
    const kept = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'short-lived' } })).json();
    await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    const upload = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=old.txt',
        payload: 'old',
        headers: { 'content-type': 'text/plain' },
      })
    ).json();
    clock.advance(29 * 24 * 3600 * 1000);
    await sweepExpired(t.services);
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).statusCode).toBe(200);
    clock.advance(2 * 24 * 3600 * 1000);
    const swept = await sweepExpired(t.services);
    expect(swept.jobs).toBeGreaterThanOrEqual(1);
    const gone = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` });
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('gone');
    // The pending job is not finished, so retention leaves it alone.
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${kept.id}` })).statusCode).toBe(200);
    const listed = (await t.call({ method: 'GET', url: '/v1/jobs?type=short-lived' }))
      .json()
      .data.map((j: { id: string }) => j.id);
    expect(listed).toEqual([kept.id]);
    expect((await t.call({ method: 'GET', url: `/v1/files/${upload.id}` })).statusCode).toBe(404);
    // Its events went with it; the kept job's are all there.
    const feed = (await t.call({ method: 'GET', url: '/v1/events?type=short-lived&page_size=100' }))
      .json()
      .data.map((e: { job_id: string; type: string }) => [e.job_id, e.type]);
    expect(feed).toEqual([[kept.id, 'job.created']]);
  });

  it_(
    "expires jobs created together one by one: the feed and timelines keep the others' events until they expire too",
    async () => {
      const [first, second] = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs:batch',
          payload: { jobs: [{ type: 'together' }, { type: 'together' }] },
        })
      ).json().data;
      const createdEvents = async () =>
        (await t.call({ method: 'GET', url: '/v1/events?type=together&event=job.created&page_size=100' }))
          .json()
          .data.map((e: { job_id: string }) => e.job_id);
      expect(await createdEvents()).toEqual([first.id, second.id]);
      await t.call({ method: 'POST', url: `/v1/jobs/${first.id}/cancel` });
      clock.advance(31 * 24 * 3600 * 1000);
      await sweepExpired(t.services);
      expect((await t.call({ method: 'GET', url: `/v1/jobs/${first.id}` })).statusCode).toBe(410);
      expect(await createdEvents()).toEqual([second.id]);
      const timeline = (await t.call({ method: 'GET', url: `/v1/jobs/${second.id}/events` })).json().data;
      expect(timeline.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual([[1, 'job.created']]);

      await t.call({ method: 'POST', url: `/v1/jobs/${second.id}/cancel` });
      clock.advance(31 * 24 * 3600 * 1000);
      await sweepExpired(t.services);
      expect(await createdEvents()).toEqual([]);
      // Nothing is left of them in the event log, batched created events included.
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM job_events WHERE job_type = 'together'`.execute(t.services.store.db);
      expect(Number(rows[0]!.n)).toBe(0);
    },
  );

  it_(
    "expires jobs claimed and completed together one by one: the feed and timelines keep the others' events until they expire too",
    async () => {
      const { store } = t.services;
      const [first, second] = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs:batch',
          payload: { jobs: [{ type: 'ran-together' }, { type: 'ran-together' }] },
        })
      ).json().data;
      // One claim for both (on SQLite their job.running events are one row, migration 0025), then a completion each.
      const claimed = await claimJobs(store, {
        workerId: 'w1',
        types: ['ran-together'],
        limit: 10,
        leaseMs: 3_600_000,
        now: clock.now(),
      });
      expect(claimed.map((j) => j.id).sort()).toEqual([first.id, second.id].sort());
      const success = (id: string) => [
        { attempt: { jobId: id, number: 1, startedAt: clock.now(), outcome: 'succeeded' as const }, output: null },
      ];
      expect((await completeJobs(store, 'w1', success(first.id), clock.now())).done).toEqual([first.id]);
      const events = async () =>
        (await t.call({ method: 'GET', url: '/v1/events?type=ran-together&page_size=100' }))
          .json()
          .data.map((e: { job_id: string; type: string }) => [e.job_id, e.type]);
      const timeline = async (id: string) =>
        (await t.call({ method: 'GET', url: `/v1/jobs/${id}/events` }))
          .json()
          .data.map((e: { seq: number; type: string }) => [e.seq, e.type]);
      clock.advance(31 * 24 * 3600 * 1000);
      expect((await completeJobs(store, 'w1', success(second.id), clock.now())).done).toEqual([second.id]);
      await sweepExpired(t.services);
      expect((await t.call({ method: 'GET', url: `/v1/jobs/${first.id}` })).statusCode).toBe(410);
      expect((await events()).filter(([id]: [string]) => id === first.id)).toEqual([]);
      expect((await events()).filter(([id]: [string]) => id === second.id)).toEqual([
        [second.id, 'job.created'],
        [second.id, 'job.running'],
        [second.id, 'job.succeeded'],
      ]);
      expect(await timeline(second.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.running'],
        [3, 'job.succeeded'],
      ]);

      clock.advance(31 * 24 * 3600 * 1000);
      await sweepExpired(t.services);
      expect(await events()).toEqual([]);
      // Nothing is left of them in the event log, batch rows included.
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM job_events WHERE job_type = 'ran-together'`.execute(store.db);
      expect(Number(rows[0]!.n)).toBe(0);
    },
  );
});
