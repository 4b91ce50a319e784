import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { createServices } from '../../src/create-services.js';
import type { Services } from '../../src/services/context.js';
import { listJobsByPage } from '../../src/services/job-lists.js';
import { sweepExpired } from '../../src/services/retention.js';
import { ScheduleRunner } from '../../src/services/schedule-runner.js';
import { createSchedule, getSchedule, updateSchedule, type ScheduleInput } from '../../src/services/schedules.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, TestClock, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

const MINUTE = 60_000;

describe.each(DIALECTS)('schedules on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** `count` sets of services on one database, sharing a clock, as processes sharing it would. */
  async function setup(clock: TestClock, count = 1): Promise<{ sets: Services[]; principal: Principal }> {
    const db = freshDatabase(dialect);
    const sets: Services[] = [];
    for (let i = 0; i < count; i++) sets.push(await createServices({ ...db.options, clock }));
    cleanups.push(async () => {
      for (const s of sets) await s.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(sets[0]!.store.db, 'acme', clock.now());
    return { sets, principal: { tokenId: 'test', workspaceId, scopes: ['admin'] } };
  }

  async function scheduledJobs(services: Services, principal: Principal) {
    const { jobs } = await listJobsByPage(services, principal, { type: 'tick' }, { page: 1, perPage: 100 });
    return jobs.map((j) => ({ runAt: new Date(j.runAt).toISOString(), scheduleId: j.scheduleId }));
  }

  /** Moves the clock in steps of `step` until `until`, letting every runner look at each step. */
  async function runUntil(clock: TestClock, runners: ScheduleRunner[], until: string, step: number) {
    const end = Date.parse(until);
    while (clock.now() < end) {
      clock.advance(step);
      await Promise.all(runners.map((r) => r.tick()));
    }
  }

  /** A thread with its own services on the database (test/support/schedule-racer.ts). */
  async function racer(options: object): Promise<{ tick(now: number): Promise<void>; close(): Promise<void> }> {
    // Threads load TypeScript through tsx's loader, registered in the thread before the module.
    const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const module = new URL('../support/schedule-racer.ts', import.meta.url).href;
    const thread = new Worker(
      `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module)}); })`,
      { eval: true, workerData: options },
    );
    const next = async () => String((await once(thread, 'message'))[0]);
    expect(await next()).toBe('ready');
    return {
      tick: async (now) => {
        thread.postMessage({ now });
        expect(await next()).toBe('ticked');
      },
      close: async () => {
        thread.postMessage({ close: true });
        await next();
        await thread.terminate();
      },
    };
  }

  it.skipIf(skip)(
    'creates exactly one job per time of a minute-level schedule over a day, with three threads racing',
    async () => {
      const clock = new TestClock(Date.parse('2026-05-01T00:00:00Z'));
      const db = freshDatabase(dialect);
      const services = await createServices({ ...db.options, clock });
      const racers = [await racer(db.options), await racer(db.options), await racer(db.options)];
      cleanups.push(async () => {
        for (const r of racers) await r.close();
        await services.store.close();
        await db.cleanup();
      });
      const sets = [services];
      const workspaceId = await ensureWorkspace(services.store.db, 'acme', clock.now());
      const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
      const schedule = await createSchedule(services, principal, {
        cron: '* * * * *',
        job: { type: 'tick', input: { n: 1 } },
      });
      const end = Date.parse('2026-05-02T00:00:00Z');
      while (clock.now() < end) {
        clock.advance(MINUTE);
        await Promise.all(racers.map((r) => r.tick(clock.now())));
      }
      const times = new Map<number, number>();
      const rows = await sets[0]!.store.db
        .selectFrom('jobs')
        .select(['run_at', 'schedule_id'])
        .where('workspace_id', '=', principal.workspaceId)
        .execute();
      for (const r of rows) times.set(Number(r.run_at), (times.get(Number(r.run_at)) ?? 0) + 1);
      expect(rows.length).toBe(24 * 60);
      expect([...times.values()].every((n) => n === 1)).toBe(true);
      expect(Math.min(...times.keys())).toBe(Date.parse('2026-05-01T00:01:00Z'));
      expect(Math.max(...times.keys())).toBe(Date.parse('2026-05-02T00:00:00Z'));
      expect(rows.every((r) => r.schedule_id === schedule.id)).toBe(true);
      const after = await getSchedule(sets[0]!, principal, schedule.id);
      expect(after.lastRunAt).toBe(Date.parse('2026-05-02T00:00:00Z'));
      expect(after.nextRunAt).toBe(Date.parse('2026-05-02T00:01:00Z'));
    },
    // 1,440 ticks of three threads: a minute or two on a loaded machine.
    300_000,
  );

  it.skipIf(skip)(
    'runs a daily 02:30 in Europe/Berlin once on both daylight saving changes',
    async () => {
      const clock = new TestClock(Date.parse('2026-03-27T12:00:00Z'));
      const { sets, principal } = await setup(clock);
      await createSchedule(sets[0]!, principal, {
        cron: '30 2 * * *',
        timeZone: 'Europe/Berlin',
        job: { type: 'tick' },
      });
      const runners = sets.map((s) => new ScheduleRunner(s));
      await runUntil(clock, runners, '2026-03-31T00:00:00Z', 10 * MINUTE);
      // 02:30 does not exist on 29 March (clocks go from 02:00 to 03:00): it runs right after the gap.
      expect((await scheduledJobs(sets[0]!, principal)).map((j) => j.runAt).sort()).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
      clock.ms = Date.parse('2026-10-23T12:00:00Z');
      const autumn = await createSchedule(sets[0]!, principal, {
        cron: '30 2 * * *',
        timeZone: 'Europe/Berlin',
        job: { type: 'tick', name: 'autumn' },
      });
      await runUntil(clock, runners, '2026-10-27T00:00:00Z', 10 * MINUTE);
      // 02:30 happens twice on 25 October (at 02:00 clocks go back to 02:00 CET): it runs the first time.
      const jobs = (await scheduledJobs(sets[0]!, principal)).filter((j) => j.scheduleId === autumn.id);
      expect(jobs.map((j) => j.runAt).sort()).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
    },
    60_000,
  );

  it.skipIf(skip)(
    'an hourly schedule runs 25 times on the day Berlin clocks go back',
    async () => {
      const clock = new TestClock(Date.parse('2026-10-24T22:00:00Z')); // 00:00 CEST on 25 October
      const { sets, principal } = await setup(clock);
      await createSchedule(sets[0]!, principal, {
        cron: '0 * * * *',
        timeZone: 'Europe/Berlin',
        job: { type: 'tick' },
      });
      await runUntil(clock, [new ScheduleRunner(sets[0]!)], '2026-10-25T22:59:00Z', 5 * MINUTE); // 23:59 CET
      const times = (await scheduledJobs(sets[0]!, principal)).map((j) => j.runAt);
      expect(times).toHaveLength(25);
      expect(new Set(times).size).toBe(25);
    },
    60_000,
  );

  it.skipIf(skip)('after downtime, skips the missed times or runs the latest once, as the schedule says', async () => {
    const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
    const { sets, principal } = await setup(clock);
    const services = sets[0]!;
    const every5: ScheduleInput = { cron: '*/5 * * * *', job: { type: 'tick' } };
    const skipping = await createSchedule(services, principal, { ...every5, name: 'skip' });
    const once = await createSchedule(services, principal, { ...every5, name: 'once', missedRuns: 'run_once' });
    const runner = new ScheduleRunner(services);
    await runUntil(clock, [runner], '2026-06-01T00:10:00Z', MINUTE);
    // No process up from 00:10:30 to 03:02:00.
    clock.ms = Date.parse('2026-06-01T03:02:00Z');
    await runner.tick();
    const jobs = await scheduledJobs(services, principal);
    const of = (id: string) =>
      jobs
        .filter((j) => j.scheduleId === id)
        .map((j) => j.runAt)
        .sort();
    expect(of(skipping.id)).toEqual(['2026-06-01T00:05:00.000Z', '2026-06-01T00:10:00.000Z']);
    expect(of(once.id)).toEqual(['2026-06-01T00:05:00.000Z', '2026-06-01T00:10:00.000Z', '2026-06-01T03:00:00.000Z']);
    for (const s of [skipping, once])
      expect((await getSchedule(services, principal, s.id)).nextRunAt).toBe(Date.parse('2026-06-01T03:05:00Z'));
    // A time only a little late is not missed: both run it.
    clock.ms = Date.parse('2026-06-01T03:05:20Z');
    await runner.tick();
    const later = await scheduledJobs(services, principal);
    expect(later.filter((j) => j.runAt === '2026-06-01T03:05:00.000Z')).toHaveLength(2);
  });

  it.skipIf(skip)('creates nothing while paused and resumes from the next time after now', async () => {
    const clock = new TestClock(Date.parse('2026-06-01T00:00:00Z'));
    const { sets, principal } = await setup(clock);
    const services = sets[0]!;
    const s = await createSchedule(services, principal, { intervalSeconds: 600, job: { type: 'tick' } });
    expect(s.nextRunAt).toBe(Date.parse('2026-06-01T00:10:00Z'));
    const runner = new ScheduleRunner(services);
    await runUntil(clock, [runner], '2026-06-01T00:20:00Z', MINUTE);
    expect(await scheduledJobs(services, principal)).toHaveLength(2);
    const paused = await updateSchedule(services, principal, s.id, { paused: true });
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    await runUntil(clock, [runner], '2026-06-01T01:00:00Z', MINUTE);
    expect(await scheduledJobs(services, principal)).toHaveLength(2);
    const resumed = await updateSchedule(services, principal, s.id, { paused: false });
    expect(resumed.nextRunAt).toBe(Date.parse('2026-06-01T01:10:00Z'));
  });
  it.skipIf(skip)('forgets the record of runs past the retention period, and still runs each time once', async () => {
    const clock = new TestClock(Date.parse('2026-05-01T00:00:00Z'));
    const db = freshDatabase(dialect);
    const twoDays = 2 * 24 * 3600 * 1000;
    const sets = [await createServices({ ...db.options, clock, policy: { retentionMs: twoDays } })];
    cleanups.push(async () => {
      for (const s of sets) await s.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(sets[0]!.store.db, 'acme', clock.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    await createSchedule(sets[0]!, principal, { cron: '0 * * * *', job: { type: 'tick' } });
    const runners = sets.map((s) => new ScheduleRunner(s));
    const runs = () => sets[0]!.store.db.selectFrom('schedule_runs').select('scheduled_at').execute();
    await runUntil(clock, runners, '2026-05-04T00:00:00Z', 10 * MINUTE);
    expect(await runs()).toHaveLength(72);
    const swept = await sweepExpired(sets[0]!);
    // The 23 runs scheduled before 2026-05-02T00:00Z (01:00 to 23:00) are forgotten, the 49 since kept.
    expect(swept.scheduleRuns).toBe(23);
    const kept = (await runs()).map((r) => Number(r.scheduled_at));
    expect(kept).toHaveLength(49);
    expect(Math.min(...kept)).toBe(Date.parse('2026-05-02T00:00:00Z'));
    await runUntil(clock, runners, '2026-05-04T06:00:00Z', 10 * MINUTE);
    const times = (await scheduledJobs(sets[0]!, principal)).map((j) => j.runAt);
    expect(times).toHaveLength(78);
    expect(new Set(times).size).toBe(78);
  });
});
