import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { AppError } from '../../src/core/errors.js';
import type { Services } from '../../src/services/context.js';
import { KEY_RETENTION_MS, requestHash, withIdempotencyKey } from '../../src/services/idempotency.js';
import { createJob, type CreateJobInput } from '../../src/services/job-creation.js';
import { createToken } from '../../src/services/tokens.js';
import { claimKey } from '../../src/store/idempotency.js';
import type { Executor } from '../../src/store/store.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { sharedDatabase, type SharedDatabase } from '../support/shared-database.js';

interface Created {
  id: string;
  number: number;
}

const MINUTE = 60_000;
const UNKNOWN_PROJECT = '01890000-0000-7000-8000-000000000000';

describe.each(DIALECTS)('Idempotency-Key on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const clock = new TestClock();
  let s: SharedDatabase;
  let keyNo = 0;
  const newKey = () => `key-${keyNo++}`;

  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) s = await sharedDatabase(dialect, { clock });
  });
  afterAll(async () => s?.cleanup());

  /** POST /v1/jobs as the route does it: the create runs inside the key's transaction. */
  function create(
    services: Services,
    key: string,
    body: { type: string; project_id?: string },
    principal: Principal = s.principal,
    before?: () => Promise<void>,
  ) {
    const input: CreateJobInput = { type: body.type, projectId: body.project_id };
    return withIdempotencyKey<Created>(services, principal, key, body, async (trx: Executor) => {
      await before?.();
      const job = await createJob(services, principal, input, trx);
      return { statusCode: 201, body: { id: job.id, number: job.number }, location: `/v1/jobs/${job.id}` };
    });
  }

  async function jobCount(principal: Principal = s.principal): Promise<number> {
    const row = await s.a.store.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', principal.workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it_('replays the first response for the same key and body, from any process, without creating again', async () => {
    const key = newKey();
    const before = await jobCount();
    const first = await create(s.a, key, { type: 'export' });
    expect(first).toMatchObject({ statusCode: 201, replayed: false, location: `/v1/jobs/${first.body.id}` });
    const again = await create(s.b, key, { type: 'export' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await jobCount()).toBe(before + 1);
  });

  it_('refuses the same key with another body: 422 idempotency_key_reused', async () => {
    const key = newKey();
    await create(s.a, key, { type: 'export' });
    const error = await create(s.a, key, { type: 'import' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
  });

  it_(
    'answers a request sent while the first with its key is still running: 409 from another process, the replay from the same',
    async () => {
      const key = newKey();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      // The first request holds the key and is stopped inside its work, before it writes anything.
      const first = create(s.a, key, { type: 'slow' }, s.principal, async () => {
        entered();
        await gate;
      });
      await inside;
      if (dialect === 'postgres') {
        // Another API process answers at once and tells the client to come back.
        const second = await create(s.b, key, { type: 'slow' }).catch((e: unknown) => e);
        expect(second).toMatchObject({
          code: 'idempotency_request_in_progress',
          status: 409,
          headers: { 'retry-after': '1' },
        });
        release();
      } else {
        // A SQLite server has one connection: the second request queues behind the first's transaction
        // and is answered with its result. (From another process it would be the 409 of the next test.)
        const second = create(s.b, key, { type: 'slow' });
        await new Promise((r) => setTimeout(r, 20));
        release();
        expect(await second).toEqual({ ...(await first), replayed: true });
      }
      const done = await first;
      expect(done.replayed).toBe(false);
      // Once it finished, the retry gets its response.
      expect(await create(s.b, key, { type: 'slow' })).toEqual({ ...done, replayed: true });
    },
  );

  it_(
    'answers 409 while a key is held by a request elsewhere, and lets a retry take it over once the holder’s lock ran out',
    async () => {
      const key = newKey();
      const body = { type: 'orphan' };
      // What a process leaves behind when it crashes after taking the key and before finishing.
      const claim = await claimKey(s.a.store.db, {
        workspaceId: s.principal.workspaceId,
        key,
        requestHash: requestHash(body),
        now: clock.now(),
        lockMs: MINUTE,
        retentionMs: KEY_RETENTION_MS,
      });
      expect(claim.kind).toBe('claimed');
      clock.advance(MINUTE / 2);
      await expect(create(s.b, key, body)).rejects.toMatchObject({
        code: 'idempotency_request_in_progress',
        status: 409,
        headers: { 'retry-after': '1' },
      });
      clock.advance(MINUTE / 2 + 1);
      const taken = await create(s.b, key, body);
      expect(taken).toMatchObject({ statusCode: 201, replayed: false });
      expect(await create(s.a, key, body)).toEqual({ ...taken, replayed: true });
    },
  );

  it_('keeps a key for 24 hours, then lets it be used for a new request', async () => {
    const key = newKey();
    const first = await create(s.a, key, { type: 'daily' });
    clock.advance(KEY_RETENTION_MS - MINUTE);
    expect(await create(s.a, key, { type: 'daily' })).toEqual({ ...first, replayed: true });
    await expect(create(s.a, key, { type: 'weekly' })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    clock.advance(2 * MINUTE);
    const fresh = await create(s.b, key, { type: 'weekly' });
    expect(fresh.replayed).toBe(false);
    expect(fresh.body.id).not.toBe(first.body.id);
    expect(await create(s.a, key, { type: 'weekly' })).toEqual({ ...fresh, replayed: true });
  });

  it_('frees the key when the request fails, so the corrected request can use it', async () => {
    const key = newKey();
    const before = await jobCount();
    const failed = await create(s.a, key, { type: 'export', project_id: UNKNOWN_PROJECT }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'validation_failed', status: 422 });
    expect(await jobCount()).toBe(before);
    const fixed = await create(s.a, key, { type: 'export' });
    expect(fixed).toMatchObject({ statusCode: 201, replayed: false });
    expect(await jobCount()).toBe(before + 1);
  });

  it_('creates once when two requests send the same key at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const key = newKey();
      const before = await jobCount();
      const results = await Promise.allSettled([
        create(s.a, key, { type: 'twin' }),
        create(s.b, key, { type: 'twin' }),
      ]);
      const created = results.filter((r) => r.status === 'fulfilled' && !r.value.replayed);
      expect(created).toHaveLength(1);
      // The other one either waited for the first and replayed it, or was told to retry.
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'idempotency_request_in_progress' });
      }
      expect(await jobCount()).toBe(before + 1);
    }
  });

  it_('scopes keys to the workspace: the same key in another workspace is a different request', async () => {
    const { token } = await createToken(s.a, { workspace: 'globex', name: 'other', scopes: ['admin'] });
    const other: Principal = { tokenId: token.id, workspaceId: token.workspaceId, scopes: token.scopes };
    const key = newKey();
    const mine = await create(s.a, key, { type: 'export' });
    const theirs = await create(s.a, key, { type: 'export' }, other);
    expect(theirs.replayed).toBe(false);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await jobCount(other)).toBe(1);
  });
});
