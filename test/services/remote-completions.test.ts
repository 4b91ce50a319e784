import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { createServices } from '../../src/create-services.js';
import type { Services } from '../../src/services/context.js';
import { createJobs } from '../../src/services/job-creation.js';
import { completeLeased } from '../../src/services/remote-completions.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { claimJobs, listAttempts } from '../../src/store/queue.js';
import { DIALECTS, TestClock, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

// Completions of remote workers that arrive together are written together (one write across their
// leases); each job is still written only under the lease that holds it.

describe.each(DIALECTS)('remote completions written together on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function setup(): Promise<{ services: Services; principal: Principal; clock: TestClock }> {
    const clock = new TestClock();
    const db = freshDatabase(dialect);
    const services = await createServices({ ...db.options, clock });
    cleanup = async () => {
      await services.store.close();
      await db.cleanup();
    };
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', clock.now());
    return { services, principal: { tokenId: 't', workspaceId, scopes: ['admin'] }, clock };
  }
  const success = (owner: string, job: { id: string; attempts: number }, at: number, output: unknown) => ({
    owner,
    attempt: { jobId: job.id, number: job.attempts, startedAt: at, outcome: 'succeeded' as const },
    output,
  });

  it.skipIf(skip)('completes the jobs of several leases reported at the same time, each once', async () => {
    const { services, principal, clock } = await setup();
    await createJobs(
      services,
      principal,
      [1, 2, 3, 4].map((n) => ({ type: 'remote', input: { n } })),
    );
    const claim = (owner: string) =>
      claimJobs(services.store, { workerId: owner, types: ['remote'], limit: 2, leaseMs: 60_000, now: clock.now() });
    const [a, b] = [await claim('a#1'), await claim('b#1')];
    const [doneA, doneB] = await Promise.all([
      completeLeased(
        services,
        a.map((j) => success('a#1', j, clock.now(), { by: 'a' })),
      ),
      completeLeased(
        services,
        b.map((j) => success('b#1', j, clock.now(), { by: 'b' })),
      ),
    ]);
    for (const j of a) expect(doneA.has(j.id)).toBe(true);
    for (const j of b) expect(doneB.has(j.id)).toBe(true);
    // Each job's attempts as its attempt history reads them (a succeeded attempt is in the job's row).
    const jobs = await services.store.db.selectFrom('jobs').select(['id', 'status', 'output']).execute();
    const rows = await Promise.all(
      jobs.map(async (j) => (await listAttempts(services.store.db, j.id)).map((a) => ({ ...j, worker: a.worker }))),
    ).then((lists) => lists.flat());
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.status).toBe('succeeded');
      const by = (typeof r.output === 'string' ? JSON.parse(r.output) : r.output) as { by: string };
      expect(r.worker).toBe(`${by.by}#1`);
    }
  });

  it.skipIf(skip)('refuses a report under a lease the job no longer has, sent with the current one', async () => {
    const { services, principal, clock } = await setup();
    const [job] = await createJobs(services, principal, [{ type: 'remote' }]);
    const [held] = await claimJobs(services.store, {
      workerId: 'new#1',
      types: ['remote'],
      limit: 1,
      leaseMs: 60_000,
      now: clock.now(),
    });
    expect(held!.id).toBe(job!.id);
    // The old holder's late report and the new holder's arrive in the same turn.
    const [stale, current] = await Promise.all([
      completeLeased(services, [success('old#1', held!, clock.now(), { by: 'old' })]),
      completeLeased(services, [success('new#1', held!, clock.now(), { by: 'new' })]),
    ]);
    expect(stale.has(job!.id)).toBe(false);
    expect(current.has(job!.id)).toBe(true);
    const row = await services.store.db
      .selectFrom('jobs')
      .select(['status', 'output'])
      .where('id', '=', job!.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('succeeded');
    expect(typeof row.output === 'string' ? JSON.parse(row.output) : row.output).toEqual({ by: 'new' });
  });
});
