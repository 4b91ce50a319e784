import { afterEach, describe, expect, it } from 'vitest';
import { ScheduleRunner } from '../../src/services/schedule-runner.js';
import { testApp, type TestApp } from '../support/app.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';

describe.each(DIALECTS)('/v1/schedules on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it.skipIf(skip)('creates, lists, reads, changes, pauses, resumes and deletes a schedule', async () => {
    const clock = new TestClock(Date.parse('2026-06-01T08:00:00Z'));
    t = await testApp(dialect, { clock });
    const created = await t.call({
      method: 'POST',
      url: '/v1/schedules',
      payload: {
        name: 'nightly report',
        cron: '0 3 * * *',
        time_zone: 'Europe/Berlin',
        job: { type: 'report', input: { kind: 'daily' }, priority: 5 },
      },
    });
    expect(created.statusCode).toBe(201);
    const s = created.json();
    expect(created.headers.location).toBe(`/v1/schedules/${s.id}`);
    expect(s).toMatchObject({
      name: 'nightly report',
      cron: '0 3 * * *',
      interval_seconds: null,
      time_zone: 'Europe/Berlin',
      job: { type: 'report', input: { kind: 'daily' }, priority: 5 },
      missed_runs: 'skip',
      paused: false,
      next_run_at: '2026-06-02T01:00:00.000Z', // 03:00 CEST
      last_run_at: null,
    });

    const list = await t.call({ method: 'GET', url: '/v1/schedules' });
    expect(list.json().data.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await t.call({ method: 'GET', url: `/v1/schedules/${s.id}` })).json()).toEqual(s);

    const patched = await t.call({ method: 'PATCH', url: `/v1/schedules/${s.id}`, payload: { interval_seconds: 90 } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ cron: null, interval_seconds: 90, next_run_at: '2026-06-01T08:01:30.000Z' });

    const paused = await t.call({ method: 'POST', url: `/v1/schedules/${s.id}/pause` });
    expect(paused.json()).toMatchObject({ paused: true, next_run_at: null });
    clock.advance(600_000);
    const resumed = await t.call({ method: 'POST', url: `/v1/schedules/${s.id}/resume` });
    expect(resumed.json()).toMatchObject({ paused: false, next_run_at: '2026-06-01T08:11:30.000Z' });

    // The runner creates the job; the job names its schedule.
    clock.advance(90_000);
    await new ScheduleRunner(t.services).tick();
    const jobs = (await t.call({ method: 'GET', url: '/v1/jobs?type=report' })).json().data;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ schedule_id: s.id, priority: 5, input: { kind: 'daily' } });
    // Its job.created event names the schedule too (the feed and webhooks carry it).
    const events = (await t.call({ method: 'GET', url: `/v1/jobs/${jobs[0].id}/events` })).json().data;
    expect(events[0]).toMatchObject({ type: 'job.created', data: { status: 'pending', schedule_id: s.id } });
    const plain = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' } })).json();
    const plainEvents = (await t.call({ method: 'GET', url: `/v1/jobs/${plain.id}/events` })).json().data;
    expect(plainEvents[0].data).toEqual({ status: 'pending', status_reason: 'queued' });
    expect((await t.call({ method: 'GET', url: `/v1/schedules/${s.id}` })).json()).toMatchObject({
      last_run_at: '2026-06-01T08:11:30.000Z',
      last_job_id: jobs[0].id,
      next_run_at: '2026-06-01T08:13:00.000Z',
    });

    expect((await t.call({ method: 'DELETE', url: `/v1/schedules/${s.id}` })).statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: `/v1/schedules/${s.id}` })).statusCode).toBe(404);
    // The job it created stays.
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${jobs[0].id}` })).statusCode).toBe(200);
  });

  it.skipIf(skip)('answers 422 naming the field for a bad cron expression or an unknown time zone', async () => {
    t = await testApp(dialect);
    const post = (payload: object) => t!.call({ method: 'POST', url: '/v1/schedules', payload });
    for (const cron of ['* * *', '61 * * * *', 'every day', '0 0 30 2 *', '* * * * * * *']) {
      const r = await post({ cron, job: { type: 'report' } });
      expect(r.statusCode, cron).toBe(422);
      expect(
        r.json().errors.map((e: { pointer: string }) => e.pointer),
        cron,
      ).toEqual(['#/cron']);
    }
    const zone = await post({ cron: '0 3 * * *', time_zone: 'Mars/Olympus', job: { type: 'report' } });
    expect(zone.statusCode).toBe(422);
    expect(zone.json().errors).toEqual([{ pointer: '#/time_zone', detail: expect.stringContaining('Mars/Olympus') }]);
    const neither = await post({ job: { type: 'report' } });
    expect(neither.statusCode).toBe(422);
    expect(neither.json().errors[0].pointer).toBe('#/cron');
    const both = await post({ cron: '0 3 * * *', interval_seconds: 60, job: { type: 'report' } });
    expect(both.json().errors[0].pointer).toBe('#/interval_seconds');
    const project = await post({
      interval_seconds: 60,
      job: { type: 'report', project_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' },
    });
    expect(project.json().errors[0].pointer).toBe('#/job/project_id');
    const badType = await post({ interval_seconds: 60, job: { type: 'Not A Type' } });
    expect(badType.statusCode).toBe(422);
    const s = (await post({ interval_seconds: 60, job: { type: 'report' } })).json();
    const patch = await t.call({ method: 'PATCH', url: `/v1/schedules/${s.id}`, payload: { cron: '0 25 * * *' } });
    expect(patch.statusCode).toBe(422);
    expect(patch.json().errors[0].pointer).toBe('#/cron');
  });

  it.skipIf(skip)(
    'needs jobs:write to change schedules and jobs:read to see them; other workspaces see none',
    async () => {
      t = await testApp(dialect);
      const reader = await t.token(['jobs:read']);
      const denied = await t.call({
        method: 'POST',
        url: '/v1/schedules',
        token: reader,
        payload: { interval_seconds: 60, job: { type: 'report' } },
      });
      expect(denied.statusCode).toBe(403);
      const s = (
        await t.call({
          method: 'POST',
          url: '/v1/schedules',
          payload: { interval_seconds: 60, job: { type: 'report' } },
        })
      ).json();
      expect((await t.call({ method: 'GET', url: `/v1/schedules/${s.id}`, token: reader })).statusCode).toBe(200);
      const other = await t.token(['admin'], 'other');
      expect((await t.call({ method: 'GET', url: `/v1/schedules/${s.id}`, token: other })).statusCode).toBe(404);
      expect((await t.call({ method: 'GET', url: '/v1/schedules', token: other })).json().data).toEqual([]);
    },
  );
});
