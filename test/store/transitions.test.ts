import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import type { Job } from '../../src/core/job.js';
import { TRANSITIONS } from '../../src/core/lifecycle.js';
import { createJob } from '../../src/services/job-creation.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { findJob, transitionJob } from '../../src/store/jobs.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

// Each race is repeated on several jobs: one lucky interleaving proves little, ten in a row that all
// end with exactly one winner are evidence that the guard holds.
const ROUNDS = 10;

describe.each(DIALECTS)('guarded job transitions on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock });
  });
  afterAll(async () => s?.cleanup());

  async function pendingJob(): Promise<Job> {
    return createJob(s.a, s.principal, { type: 'race' });
  }

  async function runningJob(): Promise<Job> {
    const job = await pendingJob();
    const { from, to } = TRANSITIONS.claim;
    const running = await transitionJob(s.a.store.db, s.principal.workspaceId, job.id, from, to, {
      statusReason: 'claimed',
      now: clock.now(),
      startedAt: clock.now(),
    });
    expect(running?.status).toBe('running');
    return running!;
  }

  it_('store: of two racing cancels of a pending job, exactly one changes it', async () => {
    const { from, to } = TRANSITIONS.cancel;
    for (let i = 0; i < ROUNDS; i++) {
      const job = await pendingJob();
      const change = { statusReason: 'cancelled_by_client' as const, now: clock.now(), completedAt: clock.now() };
      const results = await Promise.all([
        transitionJob(s.a.store.db, s.principal.workspaceId, job.id, from, to, change),
        transitionJob(s.b.store.db, s.principal.workspaceId, job.id, from, to, change),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const stored = await findJob(s.a.store.db, s.principal.workspaceId, job.id);
      expect(stored).toMatchObject({ status: 'cancelled', version: job.version + 1 });
    }
  });

  it_('store: of two racing cancel requests for a running job, exactly one changes it', async () => {
    const { from, to } = TRANSITIONS.request_cancel;
    for (let i = 0; i < ROUNDS; i++) {
      const job = await runningJob();
      const change = { statusReason: 'cancel_requested' as const, now: clock.now() };
      const results = await Promise.all([
        transitionJob(s.a.store.db, s.principal.workspaceId, job.id, from, to, change),
        transitionJob(s.b.store.db, s.principal.workspaceId, job.id, from, to, change),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect(await findJob(s.b.store.db, s.principal.workspaceId, job.id)).toMatchObject({
        status: 'cancelling',
        version: job.version + 1,
      });
    }
  });

  it_('store: a transition from the wrong status changes nothing', async () => {
    const job = await pendingJob();
    const { from, to } = TRANSITIONS.complete; // only running or cancelling jobs complete
    expect(
      await transitionJob(s.a.store.db, s.principal.workspaceId, job.id, from, to, {
        statusReason: 'completed',
        now: clock.now(),
      }),
    ).toBeUndefined();
    expect(await findJob(s.a.store.db, s.principal.workspaceId, job.id)).toMatchObject({
      status: 'pending',
      version: job.version,
    });
  });

  it_('service: two racing cancels of a pending job — one cancels it, the other gets job_state_conflict', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const job = await pendingJob();
      const results = await Promise.allSettled([
        cancelJob(s.a, s.principal, job.id),
        cancelJob(s.b, s.principal, job.id),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(won[0]!.value).toMatchObject({
        status: 'cancelled',
        statusReason: 'cancelled_by_client',
        version: job.version + 1,
      });
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(AppError);
      expect(lost[0]!.reason).toMatchObject({ code: 'job_state_conflict', status: 409 });
      expect(await findJob(s.a.store.db, s.principal.workspaceId, job.id)).toMatchObject({
        status: 'cancelled',
        version: job.version + 1,
      });
    }
  });

  it_('service: two racing cancels of a running job — both see it cancelling, and it changed once', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const job = await runningJob();
      const [x, y] = await Promise.all([cancelJob(s.a, s.principal, job.id), cancelJob(s.b, s.principal, job.id)]);
      // Asking again to cancel a job that is already stopping is not an error (the request is idempotent) …
      expect(x).toMatchObject({ status: 'cancelling', statusReason: 'cancel_requested' });
      expect(y).toMatchObject({ status: 'cancelling', statusReason: 'cancel_requested' });
      // … but only one of the requests moved it.
      expect(await findJob(s.a.store.db, s.principal.workspaceId, job.id)).toMatchObject({
        status: 'cancelling',
        version: job.version + 1,
      });
    }
  });
});
