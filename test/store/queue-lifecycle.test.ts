import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUSES, TRANSITIONS, type JobAction, type JobStatus } from '../../src/core/lifecycle.js';
import type { Services } from '../../src/services/context.js';
import { createJob } from '../../src/services/job-creation.js';
import {
  claimJobs,
  completeJobs,
  confirmCancelled,
  failJob,
  reapExpiredLeases,
  releaseJobs,
  requeueJob,
  type Attempt,
} from '../../src/store/queue.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

// The lifecycle table (core/lifecycle.ts) against what the queue's SQL does: each operation is run
// on a job in every status, and it must make exactly the transition the table gives for that status
// among the actions it stands for, and leave the job alone in every other status.

const WORKER = 'worker-1';
/** The statuses of a job a worker holds (under a lease). */
const HELD: JobStatus[] = ['running', 'cancelling'];

interface Operation {
  name: string;
  actions: JobAction[];
  /** The lease has run out (the reaper's case). */
  expired?: boolean;
  /** The attempt was the job's last. */
  lastAttempt?: boolean;
  run(services: Services, job: { id: string; type: string; workspaceId: string }, now: number): Promise<unknown>;
}

const attempt = (jobId: string, now: number, outcome: Attempt['outcome']): Attempt => ({
  jobId,
  number: 1,
  startedAt: now - 10,
  outcome,
  ...(outcome === 'failed' ? { error: { message: 'boom' } } : {}),
});

const OPERATIONS: Operation[] = [
  {
    name: 'claimJobs',
    actions: ['claim'],
    run: (s, job, now) => claimJobs(s.store, { workerId: WORKER, types: [job.type], limit: 10, leaseMs: 60_000, now }),
  },
  {
    name: 'completeJobs',
    actions: ['complete'],
    run: (s, job, now) =>
      completeJobs(s.store, WORKER, [{ attempt: attempt(job.id, now, 'succeeded'), output: { ok: true } }], now),
  },
  {
    name: 'failJob, for good',
    actions: ['fail'],
    run: (s, job, now) =>
      failJob(s.store, WORKER, { attempt: attempt(job.id, now, 'failed'), retryAt: undefined, exhausted: false }, now),
  },
  {
    name: 'failJob, to retry',
    actions: ['retry_later'],
    run: (s, job, now) =>
      failJob(s.store, WORKER, { attempt: attempt(job.id, now, 'failed'), retryAt: now + 1000, exhausted: false }, now),
  },
  {
    name: 'confirmCancelled',
    actions: ['confirm_cancel'],
    run: (s, job, now) => confirmCancelled(s.store, WORKER, attempt(job.id, now, 'cancelled'), now),
  },
  {
    name: 'releaseJobs',
    actions: ['release', 'confirm_cancel'],
    run: (s, job, now) => releaseJobs(s.store, WORKER, [job.id], now),
  },
  {
    name: 'reapExpiredLeases',
    actions: ['release', 'confirm_cancel'],
    expired: true,
    run: (s, _job, now) => reapExpiredLeases(s.store, now),
  },
  {
    name: 'reapExpiredLeases, out of attempts',
    actions: ['fail', 'confirm_cancel'],
    expired: true,
    lastAttempt: true,
    run: (s, _job, now) => reapExpiredLeases(s.store, now),
  },
  {
    name: 'requeueJob',
    actions: ['retry'],
    run: (s, job, now) => requeueJob(s.store.db, job.workspaceId, job.id, now),
  },
];

/** The status the table says `actions` move a job in `status` to, or `status` when none applies. */
function expected(actions: JobAction[], status: JobStatus): JobStatus {
  const action = actions.find((a) => TRANSITIONS[a].from.includes(status));
  return action === undefined ? status : TRANSITIONS[action].to;
}

describe.each(DIALECTS)('the queue against the lifecycle table on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;
  let n = 0;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock });
  });
  afterAll(async () => s?.cleanup());

  /** A job of its own type, put in `status`; running and cancelling, it is held by WORKER. */
  async function jobIn(status: JobStatus, op: Operation): Promise<{ id: string; type: string; workspaceId: string }> {
    const now = clock.now();
    const job = await createJob(s.a, s.principal, { type: `lifecycle-${++n}` });
    await s.a.store.db
      .updateTable('jobs')
      .set({
        status,
        status_reason: status === 'pending' ? 'queued' : null,
        lease_owner: HELD.includes(status) ? WORKER : null,
        lease_expires_at: HELD.includes(status) ? (op.expired === true ? now - 1 : now + 60_000) : null,
        attempts: 1,
        max_attempts: op.lastAttempt === true ? 1 : 3,
        attempt_started_at: now - 10,
        run_at: now - 10,
      })
      .where('id', '=', job.id)
      .execute();
    return job;
  }

  it_('covers every action the engine and the retry of a job take', () => {
    const covered = new Set(OPERATIONS.flatMap((o) => o.actions));
    const byClients = new Set<JobAction>(['cancel', 'request_cancel']);
    const engine = (Object.keys(TRANSITIONS) as JobAction[]).filter((a) => !byClients.has(a));
    expect([...covered].sort()).toEqual(engine.sort());
  });

  for (const op of OPERATIONS) {
    it_(
      `${op.name}: makes ${op.actions.join(' or ')} from the table's statuses, and nothing from the others`,
      async () => {
        const outcomes: Record<string, string> = {};
        const wanted: Record<string, string> = {};
        for (const status of JOB_STATUSES) {
          clock.advance(1000);
          const job = await jobIn(status, op);
          await op.run(s.a, job, clock.now());
          const row = await s.a.store.db
            .selectFrom('jobs')
            .select(['status', 'lease_owner'])
            .where('id', '=', job.id)
            .executeTakeFirstOrThrow();
          outcomes[status] = row.status;
          wanted[status] = expected(op.actions, status);
          // A job the worker no longer holds carries no lease; one it still holds keeps it.
          if (row.status !== status) expect(row.lease_owner === WORKER).toBe(HELD.includes(row.status as JobStatus));
        }
        expect(outcomes).toEqual(wanted);
      },
    );
  }
});
