import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobs } from '../../src/services/job-creation.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, POSTGRES_URL, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// The workspace feed holds back events of transactions still in progress, so that none can appear
// behind a cursor a client already holds. Transactions that cannot write this feed's events (another
// schema's, another database's, a reader's) must not hold back a client's own committed writes.

describe.each(DIALECTS)('the workspace feed beside open transactions on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const it_ = skip ? it.skip : it;
  let t: TestApp;
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    if (!skip) t = await testApp(dialect);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await t?.close();
  });

  /** A transaction on a connection of its own, holding an id (PostgreSQL) or a snapshot (SQLite), elsewhere than the feed's tables. */
  async function unrelatedTransaction(): Promise<void> {
    if (dialect === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      cleanups.push(async () => {
        await client.query('ROLLBACK');
        await client.end();
      });
      return;
    }
    const file = t.services.store.description.replace(/^sqlite:/, '');
    const db = new Database(file);
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM jobs').get();
    cleanups.push(async () => {
      db.exec('ROLLBACK');
      db.close();
    });
  }

  const feed = async (after?: string) => {
    const res = await t.call({
      method: 'GET',
      url: `/v1/events?page_size=100${after === undefined ? '' : `&after=${after}`}`,
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ data: { job_id: string; type: string }[]; next_cursor: string }>();
  };

  it_('shows a client the jobs it just created while an unrelated transaction is open', async () => {
    await unrelatedTransaction();
    const created = (
      await t.call({ method: 'POST', url: '/v1/jobs:batch', payload: { jobs: [{ type: 'seen' }, { type: 'seen' }] } })
    ).json().data as { id: string }[];
    const single = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'seen' } })).json<{
      id: string;
    }>();
    const page = await feed();
    expect(page.data.map((e) => [e.job_id, e.type])).toEqual([
      ...created.map((j) => [j.id, 'job.created']),
      [single.id, 'job.created'],
    ]);
  });

  // SQLite has one writer at a time: no transaction can be open beside the API's writes.
  it.skipIf(skip || dialect === 'sqlite')(
    'holds back later jobs while an earlier transaction of the same workspace is open, and skips none once it commits',
    async () => {
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let opened!: (id: string) => void;
      const openedId = new Promise<string>((resolve) => (opened = resolve));
      const workspaceId = await ensureWorkspace(t.services.store.db, 'acme', Date.now());
      // Jobs are numbered per project: two projects, so the later create does not wait for the earlier's number.
      const project = async (name: string) =>
        (await t.call({ method: 'POST', url: '/v1/projects', payload: { name } })).json<{ id: string }>().id;
      const [first, second] = [await project('First'), await project('Second')];
      const start = (await feed()).next_cursor;
      const writing = t.services.store.db.transaction().execute(async (trx) => {
        const [job] = await createJobs(
          t.services,
          { tokenId: 'test', workspaceId, scopes: ['admin'] },
          [{ type: 'earlier', projectId: first }],
          trx,
        );
        opened(job!.id);
        await committed;
      });
      const earlier = await openedId;
      const later = (
        await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'later', project_id: second } })
      ).json<{ id: string }>();
      const before = await feed(start);
      expect(before.data).toEqual([]);
      commit();
      await writing;
      const after = await feed(before.next_cursor);
      expect(after.data.map((e) => e.job_id)).toEqual([earlier, later.id]);
    },
  );
});
