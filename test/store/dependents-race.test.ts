import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services/context.js';
import { createJob } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { claimJobs, completeJobs } from '../../src/store/queue.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

// A job created waiting on a running job locks that job's row (FOR SHARE) until it commits, so the
// completion of the running job waits for the new job's commit. The release of its dependents must
// then see the new job: were it decided on a snapshot taken before the wait, the new job would stay
// waiting for ever. Each round creates a dependent and completes its dependency at once, from two
// services (two pools on PostgreSQL), with the dependent's transaction held open for a moment in some
// rounds so the completion also lands inside it.
const ROUNDS = 40;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('a dependent created while its dependency completes, on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock });
  });
  afterAll(async () => s?.cleanup());

  async function runningJob(services: Services, type: string): Promise<string> {
    const job = await createJob(services, s.principal, { type });
    const [claimed] = await claimJobs(services.store, {
      workerId: 'worker',
      types: [type],
      limit: 1,
      leaseMs: 60_000,
      now: clock.now(),
    });
    expect(claimed?.id).toBe(job.id);
    return job.id;
  }

  it_('is always released once the dependency succeeded', async () => {
    const stuck: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const parent = await runningJob(s.a, `race-${round}`);
      const hold = round % 4; // ms the dependent's transaction stays open after its insert
      const create = s.b.store.transaction(async (trx) => {
        const job = await createJob(s.b, s.principal, { type: 'child', dependsOn: [parent] }, trx);
        if (hold > 0) await sleep(hold);
        return job;
      });
      await sleep(round % 3);
      const complete = completeJobs(
        s.a.store,
        'worker',
        [{ attempt: { jobId: parent, number: 1, startedAt: clock.now(), outcome: 'succeeded' }, output: null }],
        clock.now(),
      );
      const [child, completed] = await Promise.all([create, complete]);
      expect(completed.done).toEqual([parent]);
      const stored = await getJob(s.a, s.principal, child.id);
      if (stored.statusReason === 'waiting') stuck.push(round);
    }
    expect(stuck).toEqual([]);
  });
});
