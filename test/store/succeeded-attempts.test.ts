import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '../../src/services/job-creation.js';
import { findJobDetails } from '../../src/store/job-details.js';
import { claimJobs, completeJobs, failJob, listAttempts } from '../../src/store/queue.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

// A job's succeeded attempt is kept in the job's row (PostgreSQL migration 0043, SQLite 0033), its
// other attempts as rows of job_attempts. Both reads of a job's attempts, the history and the
// details, give them all in the order they started; a job that succeeded before the migration, its
// attempt a row of job_attempts, reads as it did.

const WORKER = 'worker-1';

describe.each(DIALECTS)("a job's attempts on %s", (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  const claim = (type: string) =>
    claimJobs(s.a.store, { workerId: WORKER, types: [type], limit: 1, leaseMs: 60_000, now: clock.now() });

  it_('lists a failed attempt and then the succeeded one, which writes no attempt row', async () => {
    const job = await createJob(s.a, s.principal, { type: 'flaky', maxAttempts: 2 });
    expect(await claim('flaky')).toHaveLength(1);
    const firstStart = clock.now();
    clock.advance(5);
    await failJob(
      s.a.store,
      WORKER,
      {
        attempt: { jobId: job.id, number: 1, startedAt: firstStart, outcome: 'failed', error: { message: 'boom' } },
        retryAt: clock.now(),
        exhausted: false,
      },
      clock.now(),
    );
    clock.advance(10);
    expect(await claim('flaky')).toHaveLength(1);
    const secondStart = clock.now() + 2; // the handler started a little after the claim
    clock.advance(7);
    const { done } = await completeJobs(
      s.a.store,
      WORKER,
      [{ attempt: { jobId: job.id, number: 2, startedAt: secondStart, outcome: 'succeeded' }, output: { ok: 1 } }],
      clock.now(),
    );
    expect(done).toEqual([job.id]);

    const expected = [
      { number: 1, worker: WORKER, started_at: firstStart, outcome: 'failed', error_message: 'boom' },
      {
        number: 2,
        worker: WORKER,
        started_at: secondStart,
        finished_at: clock.now(),
        outcome: 'succeeded',
        error_message: null,
        error_code: null,
        error_stack: null,
      },
    ];
    expect(await listAttempts(s.a.store.db, job.id)).toMatchObject(expected);
    const details = await findJobDetails(s.a.store, s.principal.workspaceId, job.id);
    expect(details?.attempts).toMatchObject(expected);
    expect(details?.attempts).toEqual(await listAttempts(s.a.store.db, job.id));
    const rows = await s.a.store.db.selectFrom('job_attempts').select('outcome').where('job_id', '=', job.id).execute();
    expect(rows).toEqual([{ outcome: 'failed' }]);
  });

  it_('reads a success recorded before the migration, as an attempt row, once', async () => {
    const job = await createJob(s.a, s.principal, { type: 'older' });
    expect(await claim('older')).toHaveLength(1);
    const startedAt = clock.now();
    clock.advance(3);
    // What the completion wrote before: the job succeeded, with no worker in its row, and an attempt row.
    await s.a.store.db
      .updateTable('jobs')
      .set({ status: 'succeeded', status_reason: 'completed', completed_at: clock.now(), lease_owner: null })
      .where('id', '=', job.id)
      .execute();
    await s.a.store.db
      .insertInto('job_attempts')
      .values({
        job_id: job.id,
        number: 1,
        worker: WORKER,
        started_at: startedAt,
        finished_at: clock.now(),
        outcome: 'succeeded',
        error_message: null,
        error_code: null,
        error_stack: null,
      })
      .execute();
    const expected = [{ number: 1, worker: WORKER, started_at: startedAt, outcome: 'succeeded' }];
    expect(await listAttempts(s.a.store.db, job.id)).toMatchObject(expected);
    expect(await listAttempts(s.a.store.db, job.id)).toHaveLength(1);
    expect((await findJobDetails(s.a.store, s.principal.workspaceId, job.id))?.attempts).toEqual(
      await listAttempts(s.a.store.db, job.id),
    );
  });
});
