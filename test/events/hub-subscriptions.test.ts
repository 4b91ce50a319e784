import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobs } from '../../src/services/job-creation.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { FEED_START } from '../../src/store/events.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { connectSse, type SseConnection } from '../support/sse.js';
import { until } from '../support/until.js';

// Streams come and go all day: whatever the hub holds for one must go with it.

describe.each(DIALECTS)('the event hub as streams open and close on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const it_ = skip ? it.skip : it;
  let t: TestApp;
  beforeEach(async () => {
    if (skip) return;
    t = await testApp(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await t?.close();
  });

  const idle = () =>
    until(
      'the hub to hold nothing',
      async () =>
        JSON.stringify(t.services.hub.activity()) === JSON.stringify({ subscribers: 0, reads: 0, retries: 0 })
          ? true
          : undefined,
      3000,
    );

  it_(
    'holds no subscriber, read or retry once the streams of the feed and of a job are closed',
    { timeout: 60_000 },
    async () => {
      const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const auth = { authorization: `Bearer ${t.admin}` };
      const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'watched' } })).json<{
        id: string;
      }>();
      for (let round = 0; round < 3; round++) {
        const streams: SseConnection[] = [];
        for (let i = 0; i < 40; i++)
          streams.push(await connectSse(`${base}${i % 2 === 0 ? '/v1/events' : `/v1/jobs/${job.id}/events`}`, auth));
        await Promise.all(streams.map((s) => s.waitFor(1)));
        expect(t.services.hub.activity().subscribers).toBe(40);
        for (const s of streams) s.cut();
        await idle();
      }
    },
  );

  // SQLite has one writer: no transaction can hold events back there, so no read is ever retried.
  it.skipIf(skip || dialect === 'sqlite')(
    'stops reading for a feed subscriber that left during a read, while a transaction holds events back',
    { timeout: 60_000 },
    async () => {
      const workspaceId = await ensureWorkspace(t.services.store.db, 'acme', Date.now());
      const principal = { tokenId: 'test', workspaceId, scopes: ['admin' as const] };
      const project = async (name: string) =>
        (await t.call({ method: 'POST', url: '/v1/projects', payload: { name } })).json<{ id: string }>().id;
      const [first, second] = [await project('First'), await project('Second')];
      // An open transaction of the workspace with an older id than a job committed after it: the
      // feed holds that job's event back (unsettled) until the transaction ends.
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      const holding = t.services.store.db.transaction().execute(async (trx) => {
        await createJobs(t.services, principal, [{ type: 'earlier', projectId: first }], trx);
        opened();
        await committed;
      });
      try {
        await open;
        await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'later', project_id: second } });
        const delivered: unknown[] = [];
        // Leaves at once: its first read is still under way.
        const stop = t.services.hub.followFeed(workspaceId, FEED_START, {}, (events) => delivered.push(...events));
        stop();
        await idle();
        expect(delivered).toEqual([]);
      } finally {
        commit();
        await holding;
      }
    },
  );
});
