import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { Registry } from '../../src/core/registry.js';
import { Worker } from '../../src/engine/worker.js';
import { createServices } from '../../src/create-services.js';
import type { Services } from '../../src/services/context.js';
import { createJob, createJobs } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import {
  FEED_START,
  appendEvent,
  decodeCursor,
  encodeCursor,
  lastJobEvent,
  listJobEvents,
  readFeed,
  type FeedCursor,
} from '../../src/store/events.js';
import { claimJobs, completeJobs } from '../../src/store/queue.js';
import { feedHead } from '../../src/store/stats.js';
import { hasEventsAfter, readDispatchCursor, readEventsAfter } from '../../src/store/webhook-dispatch.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';

describe.each(DIALECTS)('job events on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(definitions: JobDefinition[] = []) {
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, registry: new Registry(definitions) });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    cleanups.push(async () => {
      await services.store.close();
      await db.cleanup();
    });
    return { services, principal };
  }

  function runWorker(services: Services) {
    const worker = new Worker(services, { pollMs: 50, heartbeatMs: 100, leaseMs: 1000, reapMs: 200 });
    worker.start();
    cleanups.push(() => worker.stop(1000));
  }

  it_('records a job run as created, running, progress, file added, succeeded, numbered from 1', async () => {
    const steps = defineJob({
      type: 'steps',
      input: Type.Object({}),
      run: async (ctx) => {
        await ctx.progress(40, 'halfway there');
        await ctx.writeFile('out.txt', 'hello', 'text/plain');
        return { ok: true };
      },
    });
    const { services, principal } = await setup([steps]);
    runWorker(services);
    const job = await createJob(services, principal, { type: 'steps' });
    await until('success', async () =>
      (await getJob(services, principal, job.id)).status === 'succeeded' ? true : undefined,
    );
    const events = await listJobEvents(services.store, job.id, 0, 100);
    expect(events.map((e) => e.name)).toEqual([
      'job.created',
      'job.running',
      'job.progress',
      'job.file.added',
      'job.succeeded',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[0]!.data).toEqual({ status: 'pending', status_reason: 'queued' });
    expect(events[1]!.data).toMatchObject({ status: 'running', previous_status: 'pending', attempt: 1 });
    expect(events[1]!.actor).toMatch(/.+/);
    expect(events[2]!.data).toEqual({ progress: 40, message: 'halfway there' });
    expect(events[3]!.data).toMatchObject({ file: { name: 'out.txt', content_type: 'text/plain', size: 5 } });
    expect(events[4]!.data).toMatchObject({
      status: 'succeeded',
      status_reason: 'completed',
      previous_status: 'running',
    });
    for (const e of events)
      expect(e).toMatchObject({ jobId: job.id, workspaceId: principal.workspaceId, jobType: 'steps' });
  });

  it_('records a failed attempt with its error before the retry and the final failure', async () => {
    const flaky = defineJob({
      type: 'flaky',
      input: Type.Object({}),
      maxAttempts: 2,
      backoff: { baseMs: 10, maxMs: 10 },
      run: async () => {
        throw Object.assign(new Error('disk full'), { code: 'no_space' });
      },
    });
    const { services, principal } = await setup([flaky]);
    runWorker(services);
    const job = await createJob(services, principal, { type: 'flaky' });
    await until('failure', async () =>
      (await getJob(services, principal, job.id)).status === 'failed' ? true : undefined,
    );
    const events = await listJobEvents(services.store, job.id, 0, 100);
    expect(events.map((e) => e.name)).toEqual([
      'job.created',
      'job.running',
      'job.attempt.failed',
      'job.pending',
      'job.running',
      'job.attempt.failed',
      'job.failed',
    ]);
    expect(events[2]!.data).toMatchObject({ attempt: 1, outcome: 'failed', error: { message: 'disk full' } });
    expect(events[3]!.data).toMatchObject({
      status: 'pending',
      status_reason: 'retrying',
      error: { message: 'disk full' },
    });
    expect(events[6]!.data).toMatchObject({ status: 'failed', status_reason: 'attempts_exhausted' });
  });

  it_('a deleted job takes its events and attempts with it, and leaves the other jobs’ alone', async () => {
    const flaky = defineJob({
      type: 'flaky',
      input: Type.Object({}),
      maxAttempts: 1,
      run: async () => {
        throw new Error('no');
      },
    });
    const { services, principal } = await setup([flaky]);
    runWorker(services);
    const [gone, kept] = await createJobs(services, principal, [{ type: 'flaky' }, { type: 'flaky' }]);
    for (const job of [gone!, kept!])
      await until('failure', async () =>
        (await getJob(services, principal, job.id)).status === 'failed' ? true : undefined,
      );
    const count = async (table: 'job_events' | 'job_attempts', jobId: string) =>
      Number(
        (
          await services.store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('job_id', '=', jobId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('job_attempts', gone!.id)).toBe(1);
    // Its own rows: the failure and its attempt (its created and running events are batch rows).
    expect(await count('job_events', gone!.id)).toBeGreaterThanOrEqual(2);
    const keptEvents = await count('job_events', kept!.id);

    await services.store.db.deleteFrom('jobs').where('id', '=', gone!.id).execute();

    expect(await count('job_events', gone!.id)).toBe(0);
    expect(await listJobEvents(services.store, gone!.id, 0, 10)).toEqual([]);
    expect(await count('job_attempts', gone!.id)).toBe(0);
    expect(await count('job_events', kept!.id)).toBe(keptEvents);
    expect(await count('job_attempts', kept!.id)).toBe(1);
  });

  it_('a feed returns each event once, in order, with filters; an explicit event joins the timeline', async () => {
    const { services, principal } = await setup();
    const a = await createJob(services, principal, { type: 'alpha' });
    const b = await createJob(services, principal, { type: 'beta' });
    await cancelJob(services, principal, a.id);
    await appendEvent(services.store.db, services.store, {
      jobId: b.id,
      name: 'job.note',
      data: { text: 'hi' },
      actor: 'tester',
      at: 1,
    });
    // On PostgreSQL the feed holds back events until every older transaction on the server has ended
    // (other test files share the server): a reader looks again while the page says `unsettled`.
    await until('the feed to settle', async () =>
      (await readFeed(services.store, principal.workspaceId, FEED_START, {}, 100)).unsettled ? undefined : true,
    );
    const all = await readFeed(services.store, principal.workspaceId, FEED_START, {}, 100);
    expect(all.events.map((e) => [e.jobId, e.name])).toEqual([
      [a.id, 'job.created'],
      [b.id, 'job.created'],
      [a.id, 'job.cancelled'],
      [b.id, 'job.note'],
    ]);
    expect(all.events[3]).toMatchObject({ seq: 2, actor: 'tester', data: { text: 'hi' } });
    // Paging by cursor: two at a time gives the same sequence, nothing twice.
    const first = await readFeed(services.store, principal.workspaceId, FEED_START, {}, 2);
    const second = await readFeed(services.store, principal.workspaceId, first.next, {}, 2);
    expect([...first.events, ...second.events].map((e) => e.cursor)).toEqual(all.events.map((e) => e.cursor));
    expect(decodeCursor(all.events[1]!.cursor)).toBeDefined();
    const betaOnly = await readFeed(services.store, principal.workspaceId, FEED_START, { jobType: 'beta' }, 100);
    expect(betaOnly.events.map((e) => e.name)).toEqual(['job.created', 'job.note']);
    const cancels = await readFeed(
      services.store,
      principal.workspaceId,
      FEED_START,
      { names: ['job.cancelled'] },
      100,
    );
    expect(cancels.events.map((e) => e.jobId)).toEqual([a.id]);
    const other = await ensureWorkspace(services.store.db, 'other', Date.now());
    expect((await readFeed(services.store, other, FEED_START, {}, 100)).events).toEqual([]);
  });

  it_(
    'jobs created, claimed and completed by one statement each: every job its own events in the feed, the timeline and the dispatcher, paged inside the batches',
    async () => {
      const { services, principal } = await setup();
      const { store } = services;
      const before = await readDispatchCursor(store.db);
      const batch = await createJobs(services, principal, [
        { type: 'alpha' },
        { type: 'alpha' },
        { type: 'alpha' },
        { type: 'beta' },
        { type: 'alpha' },
      ]);
      const ids = batch.map((j) => j.id);
      await cancelJob(services, principal, ids[1]!);
      // The other four run: one claim and one completion.
      const runs = ids.filter((_, i) => i !== 1);
      const claimedAt = Date.now() + 5;
      const claimed = await claimJobs(store, {
        workerId: 'w1',
        types: ['alpha', 'beta'],
        limit: 10,
        leaseMs: 60_000,
        now: claimedAt,
      });
      expect(claimed.map((j) => j.id).sort()).toEqual([...runs].sort());
      const successes = claimed.map((j) => ({
        attempt: { jobId: j.id, number: 1, startedAt: claimedAt, outcome: 'succeeded' as const },
        output: { ok: true },
      }));
      expect((await completeJobs(store, 'w1', successes, claimedAt + 1)).done.sort()).toEqual([...runs].sort());
      await until('the feed to settle', async () =>
        (await readFeed(store, principal.workspaceId, FEED_START, {}, 100)).unsettled ? undefined : true,
      );
      const all = await readFeed(store, principal.workspaceId, FEED_START, {}, 100);
      const created = all.events.filter((e) => e.name === 'job.created');
      expect(created.map((e) => e.jobId).sort()).toEqual([...ids].sort());
      expect(created.every((e) => e.seq === 1 && e.actor === null && e.data.status === 'pending')).toBe(true);
      // PostgreSQL stores them as one row per (project, type) with positions inside it (migration 0024):
      // the later jobs of a row carry k > 0 in their cursors, which the paging below must respect.
      if (dialect === 'postgres') expect(created.filter((e) => decodeCursor(e.cursor)!.k > 0)).toHaveLength(3);
      expect(all.events.filter((e) => e.name === 'job.cancelled')).toMatchObject([{ jobId: ids[1], seq: 2 }]);
      const running = all.events.filter((e) => e.name === 'job.running');
      const succeeded = all.events.filter((e) => e.name === 'job.succeeded');
      expect(running.map((e) => e.jobId).sort()).toEqual([...runs].sort());
      expect(succeeded.map((e) => e.jobId).sort()).toEqual([...runs].sort());
      for (const e of running) {
        expect(e).toMatchObject({
          seq: 2,
          actor: 'w1',
          createdAt: claimedAt,
          data: { status: 'running', status_reason: 'claimed', previous_status: 'pending', attempt: 1, error: null },
        });
      }
      for (const e of succeeded) {
        expect(e).toMatchObject({
          seq: 3,
          actor: null,
          createdAt: claimedAt + 1,
          data: {
            status: 'succeeded',
            status_reason: 'completed',
            previous_status: 'running',
            attempt: 1,
            error: null,
          },
        });
      }
      // SQLite stores a claim's and a completion's events as one row per type (migration 0025): the
      // three alpha jobs' rows hold two events at k > 0 each.
      if (dialect === 'sqlite')
        expect([...running, ...succeeded].filter((e) => decodeCursor(e.cursor)!.k > 0)).toHaveLength(4);
      expect(new Set(all.events.map((e) => e.cursor)).size).toBe(all.events.length);
      expect(await feedHead(store, principal.workspaceId)).toEqual(decodeCursor(all.events.at(-1)!.cursor));

      // Pages of one and of two end inside the batch and give the same events, nothing twice.
      for (const size of [1, 2]) {
        const paged = [];
        let cursor: FeedCursor = FEED_START;
        for (;;) {
          const page = await readFeed(store, principal.workspaceId, cursor, {}, size);
          if (page.events.length === 0) break;
          paged.push(...page.events);
          cursor = decodeCursor(encodeCursor(page.next))!;
        }
        expect(paged.map((e) => e.cursor)).toEqual(all.events.map((e) => e.cursor));
      }
      const alphas = await readFeed(
        store,
        principal.workspaceId,
        FEED_START,
        { jobType: 'alpha', names: ['job.created'] },
        100,
      );
      expect(alphas.events.map((e) => e.jobId).sort()).toEqual(ids.filter((_, i) => i !== 3).sort());

      // Each job's timeline holds the feed's events of the job, cursors and all, numbered from 1.
      for (const e of created) {
        const timeline = await listJobEvents(store, e.jobId, 0, 10);
        expect(timeline).toEqual(all.events.filter((f) => f.jobId === e.jobId));
        expect(timeline.map((t) => t.seq)).toEqual(timeline.map((_, i) => i + 1));
        expect(await listJobEvents(store, e.jobId, 1, 10)).toEqual(timeline.slice(1));
        expect(await listJobEvents(store, e.jobId, 2, 10)).toEqual(timeline.slice(2));
        expect(await lastJobEvent(store, e.jobId)).toEqual(timeline.at(-1));
      }
      expect((await listJobEvents(store, ids[1]!, 0, 10)).map((e) => [e.seq, e.name])).toEqual([
        [1, 'job.created'],
        [2, 'job.cancelled'],
      ]);

      // The webhook dispatcher reads the same events in pages of two, across every workspace.
      const dispatched = [];
      let position = before;
      while (await hasEventsAfter(store.db, store, position)) {
        const page = await readEventsAfter(store.db, store, position, 2);
        expect(page.length).toBeGreaterThan(0);
        dispatched.push(...page);
        position = page.at(-1)!.position;
      }
      const mine = dispatched.filter((e) => e.workspaceId === principal.workspaceId);
      expect(mine.map((e) => e.cursor)).toEqual(all.events.map((e) => e.cursor));
      expect(mine.map((e) => e.jobId)).toEqual(all.events.map((e) => e.jobId));
    },
  );

  // Rows written before PostgreSQL's migration 0024 keep one created event per job, with its job_id.
  (dialect === 'postgres' ? it_ : it.skip)(
    'a job whose created event was written one per job before the batches reads and numbers on as before',
    async () => {
      const { services, principal } = await setup();
      const { store } = services;
      const [old, fresh] = await createJobs(services, principal, [{ type: 'alpha' }, { type: 'alpha' }]);
      // Rewrite the old job's created event in the shape of migration 0020: its own row, seq 1.
      await sql`DELETE FROM job_events WHERE job_id IS NULL`.execute(store.db);
      await sql`INSERT INTO job_events (workspace_id, job_id, project_id, job_type, seq, name, data, actor, created_at)
      SELECT workspace_id, id, project_id, type, 1, 'job.created', jsonb_build_object('status', status, 'status_reason', status_reason), NULL, created_at
      FROM jobs WHERE id = ${old!.id}`.execute(store.db);
      await createJobs(services, principal, [{ type: 'beta' }]);
      await cancelJob(services, principal, old!.id);
      expect((await listJobEvents(store, old!.id, 0, 10)).map((e) => [e.seq, e.name])).toEqual([
        [1, 'job.created'],
        [2, 'job.cancelled'],
      ]);
      expect(await lastJobEvent(store, old!.id)).toMatchObject({ seq: 2, name: 'job.cancelled' });
      // The job whose batch row went (as if expired) has no timeline; the rest of the feed is whole.
      expect(await listJobEvents(store, fresh!.id, 0, 10)).toEqual([]);
      await until('the feed to settle', async () =>
        (await readFeed(store, principal.workspaceId, FEED_START, {}, 100)).unsettled ? undefined : true,
      );
      const feed = await readFeed(store, principal.workspaceId, FEED_START, {}, 100);
      expect(feed.events.map((e) => [e.jobType, e.name, e.seq])).toEqual([
        ['alpha', 'job.created', 1],
        ['beta', 'job.created', 1],
        ['alpha', 'job.cancelled', 2],
      ]);
    },
  );

  it_(
    'wakes listeners for new jobs by every insert path, for status changes and for events appended by hand',
    async () => {
      const { services, principal } = await setup();
      const heard: [string, string][] = [];
      services.wakeups.onJobEvent((jobId, workspaceId) => heard.push([jobId, workspaceId]));
      await services.wakeups.ready();
      const workspaceWide = () =>
        heard.filter(([jobId, workspaceId]) => jobId === '' && workspaceId === principal.workspaceId).length;
      const about = (jobId: string) =>
        heard.filter(([id, workspaceId]) => id === jobId && workspaceId === principal.workspaceId).length;

      // One statement for jobs of one project that depend on nothing; the general path for the rest.
      const plain = await createJob(services, principal, { type: 'alpha' });
      await until('a wake-up for the plain job', async () => (workspaceWide() >= 1 ? true : undefined));
      await createJob(services, principal, { type: 'alpha', dependsOn: [plain.id] });
      await until('a wake-up for the dependent job', async () => (workspaceWide() >= 2 ? true : undefined));
      await cancelJob(services, principal, plain.id);
      await until('a wake-up naming the cancelled job', async () => (about(plain.id) >= 1 ? true : undefined));
      const before = about(plain.id);
      await appendEvent(services.store.db, services.store, {
        jobId: plain.id,
        name: 'job.note',
        data: { text: 'hi' },
        actor: 'tester',
        at: 1,
      });
      await until('a wake-up naming the job of the appended event', async () =>
        about(plain.id) > before ? true : undefined,
      );
    },
  );
  it_(
    'wakes listeners naming every job of a claim and of a completion of more jobs than one NOTIFY lists',
    async () => {
      const { services, principal } = await setup();
      const heard = new Map<string, number>();
      services.wakeups.onJobEvent((jobId, workspaceId) => {
        if (workspaceId === principal.workspaceId) heard.set(jobId, (heard.get(jobId) ?? 0) + 1);
      });
      await services.wakeups.ready();
      const jobs = await createJobs(
        services,
        principal,
        Array.from({ length: 150 }, (_, n) => ({ type: 'many', input: { n } })),
      );
      const now = Date.now() + 1000;
      const claimed = await claimJobs(services.store, {
        workerId: 'w',
        types: ['many'],
        limit: 150,
        leaseMs: 60_000,
        now,
      });
      expect(claimed).toHaveLength(150);
      await until('a wake-up naming every claimed job', async () =>
        jobs.every((j) => (heard.get(j.id) ?? 0) >= 1) ? true : undefined,
      );
      const { done } = await completeJobs(
        services.store,
        'w',
        claimed.map((j) => ({
          attempt: { jobId: j.id, number: j.attempts, startedAt: now, outcome: 'succeeded' as const },
          output: null,
        })),
        now + 1,
      );
      expect(done).toHaveLength(150);
      await until('a second wake-up naming every completed job', async () =>
        jobs.every((j) => (heard.get(j.id) ?? 0) >= 2) ? true : undefined,
      );
    },
  );
  it_('a reader following the feed while many connections write misses nothing and sees nothing twice', async () => {
    const { services, principal } = await setup();
    // A second set of connections writes concurrently, as another API process would.
    const writers = await Promise.all([0, 1, 2, 3].map(() => Promise.resolve(services)));
    const seen: string[] = [];
    let cursor: FeedCursor = FEED_START;
    let writing = true;
    const reader = (async () => {
      for (;;) {
        const done = !writing;
        const page = await readFeed(services.store, principal.workspaceId, cursor, {}, 50);
        for (const e of page.events) seen.push(`${e.jobId}:${e.seq}`);
        cursor = page.next;
        if (done && page.events.length === 0 && !page.unsettled) return;
      }
    })();
    const created = await Promise.all(
      writers.map(async (s) => {
        const ids: string[] = [];
        for (let i = 0; i < 15; i++) {
          const jobs = await createJobs(s, principal, [{ type: 'x' }, { type: 'y' }]);
          ids.push(...jobs.map((j) => j.id));
        }
        return ids;
      }),
    );
    writing = false;
    await reader;
    const expected = created.flat().map((id) => `${id}:1`);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});
