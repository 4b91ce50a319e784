import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import type { FlowControl } from '../../src/core/flow.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { defineJob } from '../../src/engine/define-job.js';
import { Worker } from '../../src/engine/worker.js';
import type { Services } from '../../src/services/context.js';
import { putFlow, setPaused } from '../../src/services/job-flow.js';
import { createJob } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import * as queue from '../../src/store/queue.js';
import { DIALECTS, TestClock, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';
import { FAST_WORKER } from '../support/worker-options.js';

// Flow control across workers: PostgreSQL runs three sets of services (three pools, as three processes
// would), each with two workers; SQLite one set with six workers (one writer per database, see
// test/support/shared-database.ts). The handlers record how many jobs run at once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('flow control on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Sets of services on one database with these job types, and a principal of workspace acme. */
  async function setup(registry: () => Registry, options: { clock?: TestClock } = {}) {
    const db = freshDatabase(dialect);
    const sets: Services[] = [];
    for (let i = 0; i < (dialect === 'postgres' ? 3 : 1); i++)
      sets.push(await createServices({ ...db.options, registry: registry(), ...options }));
    const workers: Worker[] = [];
    cleanups.push(async () => {
      for (const w of workers) await w.stop(1000);
      for (const s of sets) await s.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(sets[0]!.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
    const startWorkers = () => {
      for (let i = 0; i < 6; i++) {
        const w = new Worker(sets[i % sets.length]!, { ...FAST_WORKER, concurrency: 8, prefetch: 4 });
        w.start();
        workers.push(w);
      }
    };
    return { sets, principal, startWorkers };
  }

  /** A job type whose handler records the most jobs running at once, in all and per key. */
  function recorder(type: string, flow: FlowControl) {
    const now = { all: 0, byKey: new Map<string, number>() };
    const most = { all: 0, byKey: 0 };
    const definition = defineJob({
      type,
      flow,
      async run(ctx) {
        const key = String((ctx.input as { key: string }).key);
        now.all++;
        now.byKey.set(key, (now.byKey.get(key) ?? 0) + 1);
        most.all = Math.max(most.all, now.all);
        most.byKey = Math.max(most.byKey, now.byKey.get(key)!);
        await sleep(15);
        now.all--;
        now.byKey.set(key, now.byKey.get(key)! - 1);
        return {};
      },
    });
    return { definition, most };
  }

  async function allSucceeded(services: Services, principal: Principal, ids: string[]) {
    await until(
      'every job to succeed',
      async () => {
        const jobs = await Promise.all(ids.map((id) => getJob(services, principal, id)));
        return jobs.every((j) => j.status === 'succeeded') ? true : undefined;
      },
      60_000,
    );
  }

  it.skipIf(skip)('never runs more jobs of a type, or of a key, than its limits', { timeout: 90_000 }, async () => {
    const { definition, most } = recorder('limited', { concurrency: 3, keyConcurrency: 1 });
    const { sets, principal, startWorkers } = await setup(() => new Registry([definition]));
    startWorkers();
    const ids: string[] = [];
    // Created while the workers are idle too, so new jobs would be handed straight to them if allowed.
    for (let i = 0; i < 48; i++) {
      const key = `customer-${i % 4}`;
      const services = sets[i % sets.length]!;
      ids.push((await createJob(services, principal, { type: 'limited', input: { key }, concurrencyKey: key })).id);
      if (i % 12 === 0) await sleep(30);
    }
    await allSucceeded(sets[0]!, principal, ids);
    expect(most.all).toBeLessThanOrEqual(3);
    expect(most.byKey).toBe(1);
    // The limit is used, not only kept: several keys ran at once.
    expect(most.all).toBeGreaterThan(1);
  });

  it.skipIf(skip)('hands no new job of a limited type straight to an idle worker past its limit', async () => {
    const { definition, most } = recorder('one-at-a-time', { concurrency: 1 });
    const { sets, principal, startWorkers } = await setup(() => new Registry([definition]));
    startWorkers();
    await sleep(100); // every worker has claimed and found nothing: idle, so new jobs could be handed over
    // One create at a time from each set of services, each while that process's workers are idle.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push((await createJob(sets[i % sets.length]!, principal, { type: 'one-at-a-time', input: { key: 'k' } })).id);
    await allSucceeded(sets[0]!, principal, ids);
    expect(most.all).toBe(1);
  });

  it.skipIf(skip)(
    'keeps a limit set through the API, and claims nothing of a paused type',
    { timeout: 60_000 },
    async () => {
      const { definition, most } = recorder('api-limited', {});
      const { sets, principal, startWorkers } = await setup(() => new Registry([definition]));
      await putFlow(sets[0]!, principal.workspaceId, 'api-limited', { concurrency: 2 });
      await setPaused(sets[0]!, principal.workspaceId, 'api-limited', true);
      startWorkers();
      const ids: string[] = [];
      for (let i = 0; i < 12; i++)
        ids.push((await createJob(sets[i % sets.length]!, principal, { type: 'api-limited', input: { key: 'k' } })).id);
      await sleep(500); // many polls of every worker
      for (const id of ids) expect((await getJob(sets[0]!, principal, id)).status).toBe('pending');
      await setPaused(sets[0]!, principal.workspaceId, 'api-limited', false);
      await allSucceeded(sets[0]!, principal, ids);
      expect(most.all).toBeLessThanOrEqual(2);
    },
  );

  it.skipIf(skip)('starts no more jobs than the rate limit in any interval, over a minute', async () => {
    const clock = new TestClock(Date.parse('2026-03-01T00:00:00Z'));
    const start = clock.now();
    const { sets, principal } = await setup(() => new Registry([]), { clock });
    await putFlow(sets[0]!, principal.workspaceId, 'paced', { rateLimit: { limit: 10, intervalMs: 1000 } });
    for (let i = 0; i < 700; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          createJob(sets[(i + k) % sets.length]!, principal, { type: 'paced', input: { n: i + k } }),
        ),
      );
    const starts: number[] = [];
    // Every 100 ms of the clock, each set of services claims as its workers would, at once.
    while (clock.now() < start + 60_000) {
      const claims = await Promise.all(
        sets.map((s, n) =>
          queue.claimJobs(s.store, {
            workerId: `w${n}`,
            types: ['paced'],
            limit: 4,
            leaseMs: 600_000,
            now: clock.now(),
          }),
        ),
      );
      for (const c of claims) starts.push(...c.map(() => clock.now()));
      clock.advance(100);
    }
    for (const t of starts) {
      const inWindow = starts.filter((s) => s > t - 1000 && s <= t).length;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
    // Ten a second for sixty seconds: within one start of 600.
    expect(Math.abs(starts.length - 600)).toBeLessThanOrEqual(1);
  });

  it.skipIf(skip)("keeps a workspace's limit in remote workers' claims, and no other workspace's", async () => {
    const { sets, principal } = await setup(() => new Registry([]));
    const other = await ensureWorkspace(sets[0]!.store.db, 'globex', Date.now());
    await putFlow(sets[0]!, principal.workspaceId, 'render', { concurrency: 2 });
    for (const workspaceId of [principal.workspaceId, other])
      for (let i = 0; i < 5; i++) await createJob(sets[0]!, { ...principal, workspaceId }, { type: 'render' });
    const claim = (services: Services, workspaceId?: string) =>
      queue.claimJobs(services.store, {
        workerId: 'remote#1',
        types: ['render'],
        limit: 10,
        leaseMs: 60_000,
        now: Date.now(),
        workspaceId,
      });
    // A remote worker's claim is limited to its token's workspace (services/worker-claims.ts).
    expect(await claim(sets[0]!, principal.workspaceId)).toHaveLength(2);
    expect(await claim(sets[sets.length - 1]!, principal.workspaceId)).toHaveLength(0);
    expect(await claim(sets[0]!)).toHaveLength(5); // the other workspace's, which has no limit
    expect(await claim(sets[0]!, other)).toHaveLength(0);
  });

  it.skipIf(skip)('paces each key on its own with a rate limit per key', async () => {
    const clock = new TestClock(Date.parse('2026-03-01T00:00:00Z'));
    const start = clock.now();
    const { sets, principal } = await setup(() => new Registry([]), { clock });
    await putFlow(sets[0]!, principal.workspaceId, 'per-key', {
      rateLimit: { limit: 2, intervalMs: 1000, perKey: true },
    });
    const keyOf = new Map<string, string>();
    for (const key of ['a', 'b', 'c'])
      for (let i = 0; i < 40; i++) {
        const job = await createJob(sets[i % sets.length]!, principal, { type: 'per-key', concurrencyKey: key });
        keyOf.set(job.id, key);
      }
    const starts: { key: string; at: number }[] = [];
    while (clock.now() < start + 10_000) {
      const claims = await Promise.all(
        sets.map((s, n) =>
          queue.claimJobs(s.store, {
            workerId: `w${n}`,
            types: ['per-key'],
            limit: 5,
            leaseMs: 60_000,
            now: clock.now(),
          }),
        ),
      );
      for (const c of claims) starts.push(...c.map((j) => ({ key: keyOf.get(j.id)!, at: clock.now() })));
      clock.advance(100);
    }
    for (const key of ['a', 'b', 'c']) {
      const ofKey = starts.filter((s) => s.key === key).map((s) => s.at);
      for (const t of ofKey) expect(ofKey.filter((s) => s > t - 1000 && s <= t).length).toBeLessThanOrEqual(2);
      expect(ofKey).toHaveLength(20); // two a second for ten seconds
    }
  });

  it.skipIf(skip)('returns one job to 20 concurrent creates with the same deduplication key', async () => {
    const { sets, principal } = await setup(() => new Registry([]));
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        createJob(sets[i % sets.length]!, principal, { type: 'sync', input: { n: i }, deduplicationKey: 'doc-1' }),
      ),
    );
    expect(new Set(jobs.map((j) => j.id)).size).toBe(1);
    const rows = await sets[0]!.store.db.selectFrom('jobs').select('id').where('type', '=', 'sync').execute();
    expect(rows).toHaveLength(1);
    // Another key is another job; with replace_input the pending job takes the newest input.
    await putFlow(sets[0]!, principal.workspaceId, 'sync', { deduplication: { replaceInput: true } });
    const other = await createJob(sets[0]!, principal, { type: 'sync', input: { n: 99 }, deduplicationKey: 'doc-2' });
    expect(other.id).not.toBe(jobs[0]!.id);
    const replaced = await createJob(sets[0]!, principal, {
      type: 'sync',
      input: { n: 100 },
      deduplicationKey: 'doc-1',
    });
    expect(replaced.id).toBe(jobs[0]!.id);
    expect((await getJob(sets[0]!, principal, replaced.id)).input).toEqual({ n: 100 });
  });
});
