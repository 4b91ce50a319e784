import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { uuidv7 } from '../../src/core/ids.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';
import { createJobs } from '../../src/services/job-creation.js';
import { cancelJob } from '../../src/services/job-cancel.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import {
  FEED_START,
  decodeCursor,
  lastJobEvent,
  listJobEvents,
  readFeed,
  type FeedCursor,
} from '../../src/store/events.js';
import type { NewJobRow } from '../../src/store/job-inserts.js';
import { migrate } from '../../src/store/migrations.js';
import { claimJobs, completeJobs } from '../../src/store/queue.js';
import { openStore, type Store } from '../../src/store/store.js';
import { readDispatchCursor, readEventsAfter } from '../../src/store/webhook-dispatch.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';
import { until } from '../support/until.js';

// An installation upgraded in place: jobs and events written under an older schema, then the service
// started on the new code, which applies the remaining migrations. Migration 0024 changed how
// PostgreSQL stores created events (one row per insert statement instead of one per job) and added a
// position inside such a row to the dispatcher's cursor, so what was written before it must read,
// number and page on unchanged, and the cursors clients and the dispatcher hold must stay valid.
// SQLite's migration 0025 did the same for status events (the claim's and the completion's batch
// rows), rebuilt job_events and gave jobs an event counter the triggers now number events from.
// Migration 0030 of both made the layout one: created, running and succeeded events are batch rows on
// both databases, so a job claimed under the old schema (its running event a row of its own) and
// completed under the new one must number on, and SQLite's created events written a row per job
// must read beside the new batches.
const BEFORE_BATCHES = 23;

describe.each(DIALECTS)('upgrading a database in use on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function jobRows(workspaceId: string, type: string, count: number, now: number): NewJobRow[] {
    return Array.from({ length: count }, () => ({
      id: uuidv7(now),
      workspaceId,
      projectId: null,
      number: 0,
      type,
      name: null,
      status: 'pending' as const,
      statusReason: 'queued' as const,
      priority: 0,
      input: {},
      maxAttempts: 3,
      runAt: now,
      timeoutMs: null,
      now,
    }));
  }

  /** Every settled event of the workspace after `after`, as [job id, name, seq]. */
  async function feedAfter(store: Store, workspaceId: string, after: FeedCursor): Promise<[string, string, number][]> {
    await until('the feed to settle', async () =>
      (await readFeed(store, workspaceId, after, {}, 100)).unsettled ? undefined : true,
    );
    const page = await readFeed(store, workspaceId, after, {}, 100);
    return page.events.map((e) => [e.jobId, e.name, e.seq]);
  }

  it_(
    'jobs and events written before migration 0024 read, number and page on after it, from the cursors handed out before',
    async () => {
      const db = freshDatabase(dialect);
      cleanups.push(db.cleanup);
      const now = Date.now();

      // Before: the schema as of migration 0023, written by the engine's own statements.
      const before = await openStore(db.options);
      let closed = false;
      cleanups.push(async () => {
        if (!closed) await before.close();
      });
      await migrate(before, { through: BEFORE_BATCHES });
      const workspaceId = await ensureWorkspace(before.db, 'acme', now);
      const old = jobRows(workspaceId, 'alpha', 4, now);
      // The insert, the claim and the completion as the engine of that schema wrote them (its triggers
      // append the events).
      await before.db
        .insertInto('jobs')
        .values(
          old.map((j, i) => ({
            id: j.id,
            workspace_id: workspaceId,
            project_id: null,
            number: i + 1,
            type: j.type,
            name: null,
            executor: 'worker',
            status: j.status,
            status_reason: j.statusReason,
            priority: 0,
            input: '{}',
            max_attempts: j.maxAttempts,
            run_at: now,
            timeout_ms: null,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await sql`UPDATE jobs SET status = 'running', status_reason = 'claimed', attempts = 1, lease_owner = 'w-old', lease_expires_at = ${now + 60_000},
      started_at = ${now + 1}, attempt_started_at = ${now + 1}, updated_at = ${now + 1}, version = version + 1 WHERE id = ${old[0]!.id}`.execute(
        before.db,
      );
      await sql`UPDATE jobs SET status = 'succeeded', status_reason = 'completed', output = '{"ok":true}', progress = 100, completed_at = ${now + 2},
      updated_at = ${now + 2}, version = version + 1, lease_owner = NULL, lease_expires_at = NULL WHERE id = ${old[0]!.id}`.execute(
        before.db,
      );
      // A job the old engine claimed, which the new one completes.
      await sql`UPDATE jobs SET status = 'running', status_reason = 'claimed', attempts = 1, lease_owner = 'w-new', lease_expires_at = ${now + 60_000},
      started_at = ${now + 3}, attempt_started_at = ${now + 3}, updated_at = ${now + 3}, version = version + 1 WHERE id = ${old[3]!.id}`.execute(
        before.db,
      );
      // One row per event then, each with its job; a cursor was "tx-id" of a row.
      const rows = await sql<{ tx: string | number; id: string | number; job_id: string; name: string }>`
      SELECT tx, id, job_id, name FROM job_events ORDER BY tx, id`.execute(before.db);
      expect(rows.rows.map((r) => [r.job_id, r.name])).toEqual([
        [old[0]!.id, 'job.created'],
        [old[1]!.id, 'job.created'],
        [old[2]!.id, 'job.created'],
        [old[3]!.id, 'job.created'],
        [old[0]!.id, 'job.running'],
        [old[0]!.id, 'job.succeeded'],
        [old[3]!.id, 'job.running'],
      ]);
      const second = rows.rows[1]!;
      const clientCursor = `${second.tx}-${second.id}`;
      await sql`UPDATE webhook_dispatch SET tx = ${second.tx}, event_id = ${second.id} WHERE id = 1`.execute(before.db);
      await before.close();
      closed = true;

      // After: the service starts on the new code and applies the rest.
      const services = await createServices({ ...db.options, registry: new Registry([]) });
      cleanups.push(() => services.store.close());
      const { store } = services;
      const principal: Principal = { tokenId: 'test', workspaceId, scopes: ['admin'] };
      const fresh = await createJobs(services, principal, [{ type: 'beta' }, { type: 'beta' }]);
      await cancelJob(services, principal, old[1]!.id);
      await cancelJob(services, principal, fresh[0]!.id);
      // The new engine claims and completes an old job and a new one: on SQLite their events are batch rows (migration 0025).
      const later = Date.now() + 10;
      const claimed = await claimJobs(store, {
        workerId: 'w-new',
        types: ['alpha', 'beta'],
        limit: 5,
        leaseMs: 60_000,
        now: later,
      });
      expect(claimed.map((j) => j.id).sort()).toEqual([old[2]!.id, fresh[1]!.id].sort());
      const running = [...claimed.map((j) => j.id), old[3]!.id];
      const succeeded = running.map((id) => ({
        attempt: { jobId: id, number: 1, startedAt: later, outcome: 'succeeded' as const },
        output: null,
      }));
      expect((await completeJobs(store, 'w-new', succeeded, later + 1)).done.sort()).toEqual(running.sort());

      // Each job's timeline, old and new, numbered from 1 without a gap.
      const timeline = async (id: string) => (await listJobEvents(store, id, 0, 10)).map((e) => [e.seq, e.name]);
      expect(await timeline(old[0]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.running'],
        [3, 'job.succeeded'],
      ]);
      expect(await timeline(old[1]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.cancelled'],
      ]);
      expect(await timeline(old[2]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.running'],
        [3, 'job.succeeded'],
      ]);
      expect(await timeline(old[3]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.running'],
        [3, 'job.succeeded'],
      ]);
      expect(await timeline(fresh[0]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.cancelled'],
      ]);
      expect(await timeline(fresh[1]!.id)).toEqual([
        [1, 'job.created'],
        [2, 'job.running'],
        [3, 'job.succeeded'],
      ]);
      expect(await lastJobEvent(store, old[1]!.id)).toMatchObject({ seq: 2, name: 'job.cancelled' });
      expect(await lastJobEvent(store, old[2]!.id)).toMatchObject({ seq: 3, name: 'job.succeeded' });
      // The new rows really are batches now, beside the old per-job rows, on both databases: the new
      // jobs' created events, and the running and the succeeded events of each type (alpha, beta).
      const shape = await sql<{
        batches: string | number;
      }>`SELECT count(*) AS batches FROM job_events WHERE job_id IS NULL`.execute(store.db);
      expect(Number(shape.rows[0]!.batches)).toBe(5);

      // The workspace feed: every event once, in order, old before new.
      const all: [string, string, number][] = [
        [old[0]!.id, 'job.created', 1],
        [old[1]!.id, 'job.created', 1],
        [old[2]!.id, 'job.created', 1],
        [old[3]!.id, 'job.created', 1],
        [old[0]!.id, 'job.running', 2],
        [old[0]!.id, 'job.succeeded', 3],
        [old[3]!.id, 'job.running', 2],
        [fresh[0]!.id, 'job.created', 1],
        [fresh[1]!.id, 'job.created', 1],
        [old[1]!.id, 'job.cancelled', 2],
        [fresh[0]!.id, 'job.cancelled', 2],
        ...[old[2]!.id, fresh[1]!.id].map((id): [string, string, number] => [id, 'job.running', 2]),
        ...[old[2]!.id, fresh[1]!.id, old[3]!.id].map((id): [string, string, number] => [id, 'job.succeeded', 3]),
      ];
      const feed = await feedAfter(store, workspaceId, FEED_START);
      // The claim's order between the two jobs is the database's; each claim's events precede each completion's.
      expect(feed.slice(0, 11)).toEqual(all.slice(0, 11));
      expect(new Set(feed.slice(11, 13).map(String))).toEqual(new Set(all.slice(11, 13).map(String)));
      expect(new Set(feed.slice(13).map(String))).toEqual(new Set(all.slice(13).map(String)));
      expect(feed).toHaveLength(all.length);
      all.splice(0, all.length, ...feed);
      // A client's cursor from before the upgrade goes on from where it was.
      const held = decodeCursor(clientCursor);
      expect(held).toBeDefined();
      expect(await feedAfter(store, workspaceId, held!)).toEqual(all.slice(2));
      // So does the webhook dispatcher's.
      const dispatch = await readDispatchCursor(store.db);
      expect(dispatch).toEqual(held);
      const dispatched = await readEventsAfter(store.db, store, dispatch, 100);
      expect(dispatched.map((e) => [e.jobId, e.name, e.seq])).toEqual(all.slice(2));
    },
  );
});
