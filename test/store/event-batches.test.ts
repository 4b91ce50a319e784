import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { uuidv7 } from '../../src/core/ids.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { createJobs } from '../../src/services/job-creation.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { historyOfJobs } from '../../src/store/event-timeline.js';
import { FEED_START, listJobEvents, readFeed } from '../../src/store/events.js';
import { insertNumberedJobs, type NewJobRow } from '../../src/store/job-inserts.js';
import { claimJobs, completeJobs, failJob } from '../../src/store/queue.js';
import { readEventsAfter } from '../../src/store/webhook-dispatch.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';

// One event-log layout on both databases (migration 0030 of each): the created events of one insert,
// the running events of one claim and the succeeded events of one completion are batch rows, one per
// group of jobs whose event is the same but for the job (an insert writes a created group of one as
// the job's own row); every reader expands them into the same per-job events, numbered from 1 in
// each job's timeline.
describe.each(DIALECTS)('event batch rows on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Fresh services on a fresh database, with workspace `acme` and an admin principal of it. */
  async function setup() {
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, registry: new Registry([]) });
    cleanups.push(async () => {
      await services.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    return { services, store: services.store, workspaceId, principal };
  }

  it_('jobs created, claimed and completed together are batch rows that expand to each job’s events', async () => {
    const { services, store, workspaceId, principal } = await setup();

    const jobs = await createJobs(services, principal, [{ type: 'alpha' }, { type: 'alpha' }, { type: 'beta' }]);
    const ids = jobs.map((j) => j.id);
    const at = Date.now() + 5;
    const claimed = await claimJobs(store, {
      workerId: 'w1',
      types: ['alpha', 'beta'],
      limit: 10,
      leaseMs: 60_000,
      now: at,
    });
    expect(claimed.map((j) => j.id).sort()).toEqual([...ids].sort());
    const done = await completeJobs(
      store,
      'w1',
      claimed.map((j) => ({
        attempt: { jobId: j.id, number: 1, startedAt: at, outcome: 'succeeded' as const },
        output: null,
      })),
      at + 1,
    );
    expect(done.done.sort()).toEqual([...ids].sort());

    // Six rows for nine events: per type, one created, one running and one succeeded row. A group of
    // one job may be written as that job's own row, which reads the same.
    const { rows } = await sql<{ name: string; job_id: string | null; job_ids: unknown }>`
      SELECT name, job_id, job_ids FROM job_events WHERE workspace_id = ${workspaceId} ORDER BY tx, id`.execute(
      store.db,
    );
    const listed = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as string[]) : (v as string[]));
    expect(rows.filter((r) => r.job_id === null && listed(r.job_ids).length > 1)).toHaveLength(3);
    const shape = rows.map((r) => [r.name, r.job_id === null ? [...listed(r.job_ids)].sort() : [r.job_id]]);
    const alpha = [ids[0]!, ids[1]!].sort();
    const beta = [ids[2]!];
    for (const name of ['job.created', 'job.running', 'job.succeeded']) {
      expect(shape.filter(([n]) => n === name).map(([, list]) => list)).toEqual(expect.arrayContaining([alpha, beta]));
    }
    expect(shape).toHaveLength(6);
    // The insert writes the created event of a group of one as the job's own row, on both databases.
    expect(rows.filter((r) => r.name === 'job.created' && r.job_id === ids[2])).toHaveLength(1);

    // Each job's timeline, the feed, the dispatcher and the callbacks' history give the same events.
    const expected = (id: string) => [
      { jobId: id, seq: 1, name: 'job.created', actor: null, data: { status: 'pending', status_reason: 'queued' } },
      {
        jobId: id,
        seq: 2,
        name: 'job.running',
        actor: 'w1',
        createdAt: at,
        data: { status: 'running', status_reason: 'claimed', previous_status: 'pending', attempt: 1, error: null },
      },
      {
        jobId: id,
        seq: 3,
        name: 'job.succeeded',
        actor: null,
        createdAt: at + 1,
        data: { status: 'succeeded', status_reason: 'completed', previous_status: 'running', attempt: 1, error: null },
      },
    ];
    await until('the feed to settle', async () =>
      (await readFeed(store, workspaceId, FEED_START, {}, 100)).unsettled ? undefined : true,
    );
    const feed = (await readFeed(store, workspaceId, FEED_START, {}, 100)).events;
    const dispatched = await readEventsAfter(store.db, store, FEED_START, 100);
    const history = await historyOfJobs(store.db, store, ids);
    for (const id of ids) {
      const timeline = await listJobEvents(store, id, 0, 10);
      expect(timeline).toMatchObject(expected(id));
      expect(feed.filter((e) => e.jobId === id)).toEqual(timeline);
      expect(dispatched.filter((e) => e.jobId === id).map(({ callbackUrl: _, position: __, ...e }) => e)).toEqual(
        timeline,
      );
      expect(history.filter((h) => h.job_id === id).map((h) => [Number(h.seq), h.name])).toEqual(
        timeline.map((e) => [e.seq, e.name]),
      );
    }
  });

  it_('a job inserted claimed has a batched created event and its own running event, numbered on', async () => {
    const { store, workspaceId } = await setup();
    const now = Date.now();
    const rows: NewJobRow[] = [0, 1].map(() => ({
      id: uuidv7(now),
      workspaceId,
      projectId: null,
      number: 0,
      type: 'alpha',
      name: null,
      status: 'pending',
      statusReason: 'queued',
      priority: 0,
      input: {},
      maxAttempts: 3,
      runAt: now,
      timeoutMs: null,
      now,
    }));
    const handed = rows[0]!.id;
    const claim = { workerId: 'w1', leaseExpiresAt: now + 60_000, ids: new Set([handed]) };
    expect(await insertNumberedJobs(store, workspaceId, null, rows, { claim })).toBe(true);
    const done = await completeJobs(
      store,
      'w1',
      [{ attempt: { jobId: handed, number: 1, startedAt: now, outcome: 'succeeded' }, output: null }],
      now + 1,
    );
    expect(done.done).toEqual([handed]);

    const { rows: created } = await sql<{ job_ids: unknown }>`
      SELECT job_ids FROM job_events WHERE name = 'job.created'`.execute(store.db);
    expect(created).toHaveLength(1);
    expect(await listJobEvents(store, handed, 0, 10)).toMatchObject([
      { seq: 1, name: 'job.created', data: { status: 'pending', status_reason: 'queued' } },
      { seq: 2, name: 'job.running', actor: 'w1', data: { status: 'running', status_reason: 'claimed', attempt: 1 } },
      { seq: 3, name: 'job.succeeded' },
    ]);
    expect(await listJobEvents(store, rows[1]!.id, 0, 10)).toMatchObject([
      { seq: 1, name: 'job.created', data: { status: 'pending', status_reason: 'queued' } },
    ]);
  });

  it_('one claim of a retried job and a new one gives each job its own attempt in its running event', async () => {
    const { services, store, principal } = await setup();
    const claim = (now: number) =>
      claimJobs(store, { workerId: 'w1', types: ['alpha'], limit: 10, leaseMs: 60_000, now });

    const [retried] = await createJobs(services, principal, [{ type: 'alpha' }]);
    // Claimed later than the second job is created, so that one claim finds both.
    const first = Date.now() + 60_000;
    expect((await claim(first)).map((j) => j.id)).toEqual([retried!.id]);
    const attempt = { jobId: retried!.id, number: 1, startedAt: first, outcome: 'failed' as const };
    expect(await failJob(store, 'w1', { attempt, retryAt: first + 1, exhausted: false }, first + 1)).toBe(true);
    const [fresh] = await createJobs(services, principal, [{ type: 'alpha' }]);
    const second = first + 2;
    expect((await claim(second)).map((j) => j.id).sort()).toEqual([retried!.id, fresh!.id].sort());

    const running = async (id: string) =>
      (await listJobEvents(store, id, 0, 10)).filter((e) => e.name === 'job.running').map((e) => e.data);
    expect(await running(retried!.id)).toEqual([
      { status: 'running', status_reason: 'claimed', previous_status: 'pending', attempt: 1, error: null },
      {
        status: 'running',
        status_reason: 'claimed',
        previous_status: 'pending',
        attempt: 2,
        error: { message: 'failed' },
      },
    ]);
    expect(await running(fresh!.id)).toEqual([
      { status: 'running', status_reason: 'claimed', previous_status: 'pending', attempt: 1, error: null },
    ]);
  });
});
