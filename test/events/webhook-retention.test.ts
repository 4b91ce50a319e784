import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.js';
import type { Principal } from '../../src/core/auth.js';
import { createJob } from '../../src/services/job-creation.js';
import { sweepExpired } from '../../src/services/retention.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, TestClock, skipUnlessAvailable, testServices } from '../support/databases.js';

const DAY = 24 * 3600 * 1000;

describe.each(DIALECTS)('webhook delivery retention on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it_('deletes finished deliveries and their attempts past the retention period, keeps the rest', async () => {
    const clock = new TestClock();
    const { services, cleanup } = await testServices(dialect, { clock, policy: { retentionMs: 30 * DAY } });
    cleanups.push(cleanup);
    const workspaceId = await ensureWorkspace(services.store.db, 'acme', clock.now());
    const principal: Principal = { tokenId: 't', workspaceId, scopes: ['admin'] };
    const job = await createJob(services, principal, { type: 'kept' });
    const webhookId = uuidv7(clock.now());
    await services.store.db
      .insertInto('webhooks')
      .values({
        id: webhookId,
        workspace_id: workspaceId,
        kind: 'endpoint',
        url: 'https://example.com/hook',
        events: '["*"]',
        project_id: null,
        secret: 'whsec_x',
        previous_secret: null,
        previous_secret_expires_at: null,
        disabled_at: null,
        disabled_reason: null,
        created_at: clock.now(),
        updated_at: clock.now(),
      })
      .execute();
    const delivery = async (status: 'pending' | 'succeeded' | 'failed', at: number, n: number) => {
      const id = uuidv7(at);
      await services.store.db
        .insertInto('webhook_deliveries')
        .values({
          id,
          webhook_id: webhookId,
          workspace_id: workspaceId,
          job_id: job.id,
          event_cursor: `0-${n}`,
          event_name: 'job.created',
          event_seq: n,
          msg_id: `msg_${n}`,
          payload: '{}',
          url: 'https://example.com/hook',
          status,
          attempts: 1,
          round_attempts: 1,
          next_attempt_at: null,
          lease_owner: null,
          lease_expires_at: null,
          last_status_code: 200,
          last_error: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await services.store.db
        .insertInto('webhook_attempts')
        .values({
          delivery_id: id,
          number: 1,
          started_at: at,
          duration_ms: 3,
          status_code: 200,
          response_body: 'ok',
          error: null,
        })
        .execute();
      return id;
    };
    const old = clock.now();
    const oldSucceeded = await delivery('succeeded', old, 1);
    const oldFailed = await delivery('failed', old + 1, 2);
    const oldPending = await delivery('pending', old + 2, 3);
    clock.advance(20 * DAY);
    const recent = await delivery('succeeded', clock.now(), 4);
    clock.advance(11 * DAY);
    const swept = await sweepExpired(services);
    expect(swept.deliveries).toBe(2);
    const left = await services.store.db.selectFrom('webhook_deliveries').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual([oldPending, recent]);
    const attempts = await services.store.db.selectFrom('webhook_attempts').select('delivery_id').execute();
    expect(attempts.map((a) => a.delivery_id).sort()).toEqual([oldPending, recent].sort());
    expect([oldSucceeded, oldFailed]).not.toContain(left[0]!.id);
  });
});
