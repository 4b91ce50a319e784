import { afterEach, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../support/databases.js';
import { type Server, cliOk, freePort, killAllServers, runCli, startServe } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';

const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/g;

// Several `jobline serve --database-url postgres://…` processes on one database, as README promises.
describe.skipIf(POSTGRES_URL === undefined)('jobline serve processes sharing PostgreSQL', { timeout: 180_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await killAllServers();
    for (const c of cleanups.splice(0)) await c();
  });

  async function database(): Promise<string> {
    const { url, drop } = await postgresSchema();
    cleanups.push(drop);
    return url;
  }

  const ok = (args: string[]) => cliOk(args);

  it('two servers started together print one admin token between them', async () => {
    const url = await database();
    const servers = await Promise.all([startServe(['--database-url', url]), startServe(['--database-url', url])]);
    const printed = servers.flatMap((s) => s.output().match(TOKEN) ?? []);
    expect(printed).toHaveLength(1);
    // … and it works on both.
    for (const s of servers) await ok(['jobs', 'list', '--url', s.url, '--token', printed[0]!]);
  });

  it('a job created on one server is cancelled on the other and read back on the first', async () => {
    const url = await database();
    const a: Server = await startServe(['--database-url', url]);
    const b: Server = await startServe(['--database-url', url]);
    const admin = a.output().match(TOKEN)![0];
    expect(b.output()).not.toMatch(TOKEN);
    const on = (s: Server) => ['--url', s.url, '--token', admin, '--json'];

    const created = JSON.parse(
      await ok(['jobs', 'create', '--type', 'shared', '--idempotency-key', 'shared-1', ...on(a)]),
    );
    expect(created).toMatchObject({ status: 'pending', number: 1 });
    // The Idempotency-Key is the database's, not the process's: a retry that lands on B replays A's answer.
    expect(
      JSON.parse(await ok(['jobs', 'create', '--type', 'shared', '--idempotency-key', 'shared-1', ...on(b)])).id,
    ).toBe(created.id);

    const cancelled = JSON.parse(await ok(['jobs', 'cancel', created.id, ...on(b)]));
    expect(cancelled).toMatchObject({ id: created.id, status: 'cancelled', version: created.version + 1 });
    expect(JSON.parse(await ok(['jobs', 'get', created.id, ...on(a)]))).toMatchObject({
      status: 'cancelled',
      status_reason: 'cancelled_by_client',
      version: created.version + 1,
    });

    // Numbers stay one sequence whichever server takes the create.
    const second = JSON.parse(await ok(['jobs', 'create', '--type', 'shared', ...on(b)]));
    expect(second.number).toBe(2);
    const listed = JSON.parse(await ok(['jobs', 'list', '--type', 'shared', ...on(a)]));
    expect(listed.data.map((j: { id: string }) => j.id)).toEqual([second.id, created.id]);
  });

  it('a page token from one server is accepted by the other', async () => {
    const url = await database();
    const a = await startServe(['--database-url', url]);
    const b = await startServe(['--database-url', url]);
    const admin = a.output().match(TOKEN)![0];
    const call = async (s: Server, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${s.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      });
      expect(res.ok).toBe(true);
      return res.json() as Promise<{ id: string; data: { id: string }[]; next_page_token?: string }>;
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await call(a, '/v1/jobs', { method: 'POST', body: JSON.stringify({ type: 'paged' }) })).id);
    const page1 = await call(a, '/v1/jobs?type=paged&page_size=2');
    const page2 = await call(b, `/v1/jobs?type=paged&page_size=2&page_token=${page1.next_page_token}`);
    expect([...page1.data, ...page2.data].map((j) => j.id)).toEqual([...ids].reverse());
  });

  it('a failed start on PostgreSQL exits promptly instead of waiting for idle connections', async () => {
    const url = await database();
    const result = await runCli(['serve', '--port', String(await freePort()), '--database-url', url], {
      env: { JOBLINE_ADMIN_TOKEN: 'not-a-token' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // The pool's idle connections would otherwise hold the process for their 10 s idle timeout after
    // the error was printed; measured from the error, so a slow start on a busy machine does not count.
    expect(result.exitedAt - result.firstStderrAt!).toBeLessThan(5_000);
  });

  it('an unreachable database is one line and a non-zero exit', async () => {
    const port = await freePort();
    const result = await runCli(['migrate', '--database-url', `postgres://postgres@127.0.0.1:${port}/none`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^Error: .*ECONNREFUSED/);
  });
});
