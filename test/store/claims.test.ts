import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { createServices } from '../../src/create-services.js';
import { createJobs } from '../../src/services/job-creation.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { CHOOSE_IN_WORKSPACE } from '../../src/store/dialect/sqlite-queue.js';
import { claimJobs } from '../../src/store/queue.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

describe.each(DIALECTS)('claiming on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it_('never takes more jobs than asked, and racing claimers never take the same job', async () => {
    const db = freshDatabase(dialect);
    const services = await createServices(db.options);
    cleanups.push(async () => {
      await services.store.close();
      await db.cleanup();
    });
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
    const principal: Principal = { tokenId: 't', workspaceId, scopes: ['admin'] };
    for (let i = 0; i < 4; i++)
      await createJobs(
        services,
        principal,
        Array.from({ length: 75 }, (_, j) => ({ type: 'claimed', priority: j % 3 })),
      );
    const taken: string[] = [];
    const claimer = async (worker: number) => {
      for (;;) {
        const limit = 1 + (taken.length % 4);
        const jobs = await claimJobs(services.store, {
          workerId: `w${worker}`,
          types: ['claimed'],
          limit,
          leaseMs: 60_000,
          now: Date.now() + 1000,
        });
        expect(jobs.length).toBeLessThanOrEqual(limit);
        if (jobs.length === 0) return;
        taken.push(...jobs.map((j) => j.id));
      }
    };
    await Promise.all([0, 1, 2, 3].map(claimer));
    expect(taken).toHaveLength(300);
    expect(new Set(taken).size).toBe(300);
  });

  it.runIf(dialect === 'sqlite')(
    "a remote worker's claim reads the claim index in order, not every pending job of its workspace",
    async () => {
      const db = freshDatabase(dialect);
      const services = await createServices(db.options);
      cleanups.push(async () => {
        await services.store.close();
        await db.cleanup();
      });
      const raw = services.store.raw;
      if (raw.kind !== 'sqlite') throw new Error('SQLite expected');
      for (const name of ['acme', 'other']) {
        const workspaceId = await ensureWorkspace(services.store.db, name, Date.now());
        const jobs = Array.from({ length: 200 }, () => ({ type: 'claimed' }));
        await createJobs(services, { tokenId: 't', workspaceId, scopes: ['admin'] }, jobs);
      }
      const plan = () => {
        const params = CHOOSE_IN_WORKSPACE.split('?').length - 1;
        const rows = raw.db.prepare(`EXPLAIN QUERY PLAN ${CHOOSE_IN_WORKSPACE}`).all(...Array<number>(params).fill(1));
        return (rows as { detail: string }[]).map((r) => r.detail).join('\n');
      };
      // A sort would take every pending job of the workspace at each claim, however few it asks for.
      for (const analyzed of [false, true]) {
        if (analyzed) raw.db.exec('ANALYZE');
        expect(plan()).toContain('USING INDEX jobs_claim');
        expect(plan()).not.toContain('TEMP B-TREE');
      }
    },
  );

  it.runIf(dialect === 'sqlite')(
    'relaxes durability for the claim only: every other commit still waits for the disk',
    async () => {
      const db = freshDatabase(dialect);
      const services = await createServices(db.options);
      cleanups.push(async () => {
        await services.store.close();
        await db.cleanup();
      });
      const raw = services.store.raw;
      if (raw.kind !== 'sqlite') throw new Error('SQLite expected');
      const synchronous = () => raw.db.pragma('synchronous', { simple: true });
      const workspaceId = await ensureWorkspace(services.store.db, 'acme', Date.now());
      await createJobs(services, { tokenId: 't', workspaceId, scopes: ['admin'] }, [{ type: 'claimed' }]);
      expect(synchronous()).toBe(2); // FULL
      const claim = () =>
        claimJobs(services.store, {
          workerId: 'w',
          types: ['claimed'],
          limit: 1,
          leaseMs: 60_000,
          now: Date.now() + 1000,
        });
      expect(await claim()).toHaveLength(1);
      expect(synchronous()).toBe(2);
      // Also after a claim that fails (a limit SQLite cannot bind).
      await expect(
        claimJobs(services.store, {
          workerId: 'w',
          types: ['claimed'],
          limit: {} as number,
          leaseMs: 60_000,
          now: Date.now(),
        }),
      ).rejects.toThrow();
      expect(synchronous()).toBe(2);
    },
  );
});
