import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/http/app.js';
import { versionTag } from '../../src/http/conditional.js';
import type { Services } from '../../src/services/context.js';
import { createToken } from '../../src/services/tokens.js';
import { createServices } from '../../src/create-services.js';
import { findJob } from '../../src/store/jobs.js';
import { claimJobs } from '../../src/store/queue.js';
import { readBatchStats } from '../../src/store/read-batches.js';
import { DIALECTS, freshDatabase, skipUnlessAvailable } from '../support/databases.js';

// The GETs of jobs that a server handles together read the database together: on PostgreSQL one
// statement for the whole batch, on SQLite each at once on the reader connection. Neither may change
// what a request sees: a change committed by another process shows in the very next GET, a job shows
// only to its own workspace, and a read that fails answers its own request with an error.
describe.each(DIALECTS)('batched job reads on %s', (dialect) => {
  let db: ReturnType<typeof freshDatabase>;
  /** The API process under test, and a second process's services on the same database. */
  let a: Services;
  let b: Services;
  let app: App;
  let acme: string;
  let globex: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    db = freshDatabase(dialect);
    a = await createServices(db.options);
    b = await createServices(db.options);
    app = await buildApp(a, { rateLimit: { limit: 0, windowSeconds: 60 } });
    acme = (await createToken(a, { workspace: 'acme', name: 'test', scopes: ['admin'] })).secret;
    globex = (await createToken(a, { workspace: 'globex', name: 'test', scopes: ['admin'] })).secret;
  });
  afterAll(async () => {
    await app?.close();
    await a?.store.close();
    await b?.store.close();
    await db?.cleanup();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const get = (token: string, id: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: `Bearer ${token}`, ...headers } });
  const create = async (token: string, type: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { authorization: `Bearer ${token}` },
      payload: { type },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const createMany = (token: string, type: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => create(token, type)));
  /** Requests sent at once, so that the server handles them together. */
  const together = (requests: (() => Promise<LightMyRequestResponse>)[]) => Promise.all(requests.map((r) => r()));

  it_('shows a change made by another process in the very next GET, among many batched together', async () => {
    const polled = await create(acme, 'polled-elsewhere');
    const others = await createMany(acme, 'acme-only', 12);
    const theirs = await createMany(globex, 'globex-only', 6);
    // Each job read once: rendered copies exist and the tokens are verified, as for a client polling.
    const before = await get(acme, polled);
    expect(before.statusCode).toBe(200);
    // Polled again: answered from its copy after a read of the job's version, which this process now knows.
    expect((await get(acme, polled)).headers.etag).toBe(before.headers.etag);
    await together([...others.map((id) => () => get(acme, id)), ...theirs.map((id) => () => get(globex, id))]);

    // Another process claims the job: its version moves.
    const [claimed] = await claimJobs(b.store, {
      workerId: 'elsewhere',
      types: ['polled-elsewhere'],
      limit: 1,
      leaseMs: 60_000,
      now: b.clock.now(),
    });
    expect(claimed?.id).toBe(polled);
    const current = (await findJob(b.store.db, claimed!.workspaceId, polled))!;
    expect(current.version).toBeGreaterThan(before.json().version);

    const stats = { ...readBatchStats(a.store) };
    const requests = [
      ...Array.from({ length: 10 }, () => () => get(acme, polled)),
      ...Array.from({ length: 10 }, () => () => get(acme, polled, { 'if-none-match': before.headers.etag as string })),
      ...others.map((id) => () => get(acme, id)),
      ...theirs.map((id) => () => get(globex, id)),
      // Another workspace asking for the job, in the same batch as its own workspace's requests.
      ...Array.from({ length: 5 }, () => () => get(globex, polled)),
    ];
    const answers = await together(requests);
    const after = readBatchStats(a.store);

    for (const res of answers.slice(0, 20)) {
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(versionTag(current.version));
      expect(res.json()).toMatchObject({ id: polled, status: 'running', version: current.version });
    }
    answers.slice(20, 20 + others.length).forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: others[i], type: 'acme-only' });
    });
    answers.slice(20 + others.length, 20 + others.length + theirs.length).forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: theirs[i], type: 'globex-only' });
    });
    for (const res of answers.slice(-5)) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'not_found' });
      expect(res.body).not.toContain('polled-elsewhere');
    }

    if (dialect === 'postgres') {
      // Far fewer statements than requests, and one of them read many jobs of both workspaces.
      expect(after.batches - stats.batches).toBeGreaterThan(0);
      expect(after.batches - stats.batches).toBeLessThanOrEqual(requests.length / 5);
      expect(after.largest).toBeGreaterThanOrEqual(10);
      // Duplicate requests in a batch were read once.
      expect(after.keys - stats.keys).toBeLessThan(requests.length);
    } else {
      // SQLite keeps its synchronous read per request: no batch statements at all.
      expect(after).toEqual({ batches: 0, keys: 0, largest: 0, retries: 0 });
    }
  });

  it_(
    'answers 404 for a job removed while its copy was held, 304 and 200 to the unchanged ones beside it',
    async () => {
      const removed = await create(acme, 'removed-elsewhere');
      const kept = await createMany(acme, 'kept', 6);
      const tags = new Map<string, string>();
      for (const id of [removed, ...kept]) tags.set(id, (await get(acme, id)).headers.etag as string);
      // Another process removes the job (as retention does); this one still holds its rendered copy.
      await b.store.db.deleteFrom('jobs').where('id', '=', removed).execute();

      const answers = await together([
        () => get(acme, removed),
        ...kept.map((id) => () => get(acme, id)),
        ...kept.map((id) => () => get(acme, id, { 'if-none-match': tags.get(id)! })),
      ]);
      expect(answers[0]!.statusCode).toBe(404);
      answers.slice(1, 1 + kept.length).forEach((res, i) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers.etag).toBe(tags.get(kept[i]!));
        expect(res.json()).toMatchObject({ id: kept[i], type: 'kept' });
      });
      for (const res of answers.slice(1 + kept.length)) expect(res.statusCode).toBe(304);
    },
  );

  it_('reads the tokens missing from the cache together, each for its own request', async () => {
    const id = await create(acme, 'token-batch');
    // Tokens made by another process: this one has verified none of them.
    const fresh = await Promise.all(
      Array.from(
        { length: 15 },
        async (_, i) =>
          (await createToken(b, { workspace: i % 3 === 0 ? 'globex' : 'acme', name: `t${i}`, scopes: ['jobs:read'] }))
            .secret,
      ),
    );
    const forged = `${fresh[1]!.slice(0, 16)}${'A'.repeat(fresh[1]!.length - 16)}`;
    const stats = { ...readBatchStats(a.store, 'tokens') };
    const answers = await together([...fresh.map((token) => () => get(token, id)), () => get(forged, id)]);
    const after = readBatchStats(a.store, 'tokens');
    answers.slice(0, fresh.length).forEach((res, i) => {
      if (i % 3 === 0) expect(res.statusCode).toBe(404);
      else expect(res.json()).toMatchObject({ id, type: 'token-batch' });
    });
    expect(answers.at(-1)!.statusCode).toBe(401);
    // One statement read the tokens of all sixteen requests.
    if (dialect === 'postgres') {
      expect(after.batches - stats.batches).toBe(1);
      // The forged token shares its prefix with a real one: one read for both.
      expect(after.keys - stats.keys).toBe(15);
    } else expect(after.batches).toBe(0);
  });

  it_('re-reads a job for all its long polls together when it changes', async () => {
    const id = await create(acme, 'long-polled');
    const first = await get(acme, id);
    const etag = first.headers.etag as string;
    const stats = { ...readBatchStats(a.store, 'jobs') };
    const polls = together(
      Array.from(
        { length: 10 },
        () => () =>
          app.inject({
            method: 'GET',
            url: `/v1/jobs/${id}?wait=20`,
            headers: { authorization: `Bearer ${acme}`, 'if-none-match': etag },
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    // On PostgreSQL another process claims the job (its NOTIFY wakes the polls); SQLite wakes polls of
    // its own process's changes only.
    const changer = dialect === 'postgres' ? b : a;
    const [claimed] = await claimJobs(changer.store, {
      workerId: 'elsewhere',
      types: ['long-polled'],
      limit: 1,
      leaseMs: 60_000,
      now: changer.clock.now(),
    });
    const current = (await findJob(changer.store.db, claimed!.workspaceId, id))!;
    const answers = await polls;
    const after = readBatchStats(a.store, 'jobs');
    for (const res of answers) {
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(versionTag(current.version));
      expect(res.json()).toMatchObject({ id, status: 'running', version: current.version });
    }
    // Each poll read the job before waiting (those that ended in one poll phase together) and again
    // when woken: the ten woken reads went as one statement.
    if (dialect === 'postgres') expect(after.batches - stats.batches).toBeLessThanOrEqual(11);
    else expect(after.batches).toBe(0);
  });

  it_('answers every request of a failing read with its own error, then each its own job', async () => {
    const mine = await createMany(acme, 'failing-read', 6);
    const theirs = await createMany(globex, 'failing-read', 6);
    const requests = [
      ...mine.map((id) => () => get(acme, id)),
      ...theirs.map((id) => () => get(globex, id)),
      ...mine.map((id) => () => get(globex, id)),
    ];
    // The details read needs job_attempts: without it, every read fails.
    const rename = async (from: string, to: string) => {
      if (b.store.raw.kind === 'sqlite') b.store.raw.db.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
      else await b.store.raw.pool.query(`ALTER TABLE ${from} RENAME TO ${to}`);
    };
    await rename('job_attempts', 'job_attempts_away');
    let failed: LightMyRequestResponse[];
    try {
      failed = await together(requests);
    } finally {
      await rename('job_attempts_away', 'job_attempts');
    }
    for (const res of failed) {
      expect(res.statusCode).toBe(500);
      // Each answer names its own request and shows no job.
      expect(res.json()).toMatchObject({
        code: 'internal',
        instance: `urn:request:${String(res.headers['request-id'])}`,
      });
      expect(res.body).not.toMatch(/failing-read|"status":"pending"/);
    }
    expect(new Set(failed.map((res) => res.headers['request-id'])).size).toBe(requests.length);

    const answers = await together(requests);
    answers.forEach((res, i) => {
      if (i < 12) expect(res.json()).toMatchObject({ id: [...mine, ...theirs][i], type: 'failing-read' });
      else expect(res.statusCode).toBe(404);
    });
  });

  (dialect === 'postgres' && !skipUnlessAvailable(dialect) ? it : it.skip)(
    'reads each job of a batch alone when the batch statement fails, so no more requests fail than unbatched',
    async () => {
      if (a.store.raw.kind !== 'postgres' || b.store.raw.kind !== 'postgres') throw new Error('PostgreSQL only');
      const mine = await createMany(acme, 'cut-off', 5);
      const theirs = await createMany(globex, 'cut-off', 5);
      // Another connection holds a lock the batch's statement waits for; the batch's connection is then
      // terminated, as a dropped connection would be, and the lock released.
      const holder = await b.store.raw.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
        const before = { ...readBatchStats(a.store) };
        const pending = together([
          ...mine.map((id) => () => get(acme, id)),
          ...theirs.map((id) => () => get(globex, id)),
          ...mine.map((id) => () => get(globex, id)),
        ]);
        let waiting: number[] = [];
        for (let i = 0; i < 200 && waiting.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 25));
          const { rows } = await holder.query<{ pid: number }>(
            // Only the statements this lock blocks: other test files share the server.
            `SELECT pid FROM pg_stat_activity
              WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid)) AND query LIKE '%WITH ORDINALITY%'`,
          );
          waiting = rows.map((r) => r.pid);
        }
        expect(waiting.length).toBeGreaterThan(0);
        for (const pid of waiting) await holder.query('SELECT pg_terminate_backend($1)', [pid]);
        await holder.query('ROLLBACK');
        const answers = await pending;
        const after = readBatchStats(a.store);
        expect(after.retries - before.retries).toBeGreaterThanOrEqual(2);
        answers.forEach((res, i) => {
          if (i < 10) {
            expect(res.statusCode).toBe(200);
            expect(res.json()).toMatchObject({ id: [...mine, ...theirs][i], type: 'cut-off' });
          } else expect(res.statusCode).toBe(404);
        });
      } finally {
        holder.release();
      }
    },
  );
});
