import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);

describe.each(DIALECTS)('GET /v1/stats on %s', (dialect) => {
  let t: TestApp;
  const clock = new TestClock();
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { clock });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const create = async (type: string, time: string) => {
    clock.ms = at(time);
    return (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type } })).json().id as string;
  };
  const finish = (id: string, status: 'succeeded' | 'failed', started: string, completed: string) =>
    t.services.store.db
      .updateTable('jobs')
      .set({ status, started_at: at(started), completed_at: at(completed) })
      .where('id', '=', id)
      .execute();

  it_(
    'counts jobs per status and, per type and minute of the last hour, jobs finished, failed and waiting',
    async () => {
      await create('mail', '08:00:00'); // waiting since before the window
      const succeeded = await create('resize', '09:30:30');
      const failed = await create('resize', '09:50:10');
      await create('resize', '10:00:05'); // waiting since the current minute
      await finish(succeeded, 'succeeded', '09:40:00', '09:45:00');
      await finish(failed, 'failed', '09:55:00', '09:59:30');
      const other = await t.token(['admin'], 'other');
      clock.ms = at('09:10:00');
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'resize' }, token: other }); // another workspace's
      clock.ms = at('10:00:30');

      const res = await t.call({ method: 'GET', url: '/v1/stats' });
      expect(res.statusCode).toBe(200);
      const stats = res.json();
      // The window is the hour of whole minutes ending with the current one: 09:01 to 10:01.
      expect(stats).toMatchObject({
        since: '2026-01-01T09:01:00.000Z',
        until: '2026-01-01T10:01:00.000Z',
        step_seconds: 60,
      });
      expect(stats.counts).toEqual({
        pending: 2,
        running: 0,
        delivered: 0,
        succeeded: 1,
        failed: 1,
        cancelling: 0,
        cancelled: 0,
      });
      expect(stats.types.map((s: { type: string }) => s.type)).toEqual(['mail', 'resize']);
      const [mail, resize] = stats.types;
      const minutes = (series: number[]) => series.flatMap((n, m) => (n > 0 ? [[m, n]] : []));
      expect(mail.queue_depth).toEqual(new Array(60).fill(1));
      expect(minutes(mail.succeeded)).toEqual([]);
      // Created 09:30:30 (minute 29), started 09:40 (minute 39): waiting at the end of minutes 29 to 38.
      const waitedFirst = Array.from({ length: 10 }, (_, i) => [29 + i, 1]);
      const waitedSecond = Array.from({ length: 5 }, (_, i) => [49 + i, 1]);
      expect(minutes(resize.queue_depth)).toEqual([...waitedFirst, ...waitedSecond, [59, 1]]);
      expect(minutes(resize.succeeded)).toEqual([[44, 1]]);
      expect(minutes(resize.failed)).toEqual([[58, 1]]);

      const onlyMail = (await t.call({ method: 'GET', url: '/v1/stats?type=mail' })).json();
      expect(onlyMail.types.map((s: { type: string }) => s.type)).toEqual(['mail']);
      expect(onlyMail.counts.pending).toBe(1);
    },
  );

  it_('gives the feed position to follow from: later events only', async () => {
    const { events_cursor: cursor } = (await t.call({ method: 'GET', url: '/v1/stats' })).json();
    expect(cursor).toMatch(/^\d+-\d+$/);
    expect((await t.call({ method: 'GET', url: `/v1/events?after=${cursor}` })).json().data).toEqual([]);
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'mail' } })).json();
    const later = (await t.call({ method: 'GET', url: `/v1/events?after=${cursor}` })).json().data;
    expect(later.map((e: { type: string; job_id: string }) => [e.type, e.job_id])).toEqual([['job.created', job.id]]);
  });

  it_('needs jobs:read and refuses unknown parameters', async () => {
    expect((await t.call({ method: 'GET', url: '/v1/stats', token: null })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: '/v1/stats?since=1' })).statusCode).toBe(400);
  });
});
