import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { cliOk, killAllServers, runCli, startServe } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';

// `jobline job-types` against a running `jobline serve`, on SQLite and on PostgreSQL. Each CLI call is a
// new Node process compiling TypeScript, a few seconds on a busy machine.
describe.each(DIALECTS)('jobline job-types against a server on %s', { timeout: 180_000 }, (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await killAllServers();
    for (const c of cleanups.splice(0)) await c();
  });

  async function serve(): Promise<string[]> {
    const data = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
    cleanups.push(async () => rmSync(data, { recursive: true, force: true }));
    const args = ['--data', data];
    if (dialect === 'postgres') {
      const { url, drop } = await postgresSchema();
      cleanups.push(drop);
      args.push('--database-url', url);
    }
    const server = await startServe(args);
    const admin = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(server.output())![0];
    return ['--url', server.url, '--token', admin];
  }

  it_("sets, shows, pauses, resumes and deletes a type's flow control", async () => {
    const remote = await serve();
    const set = JSON.parse(
      await cliOk([
        'job-types',
        'flow',
        'set',
        'sync-customer',
        '--concurrency',
        '10',
        '--key-concurrency',
        '1',
        '--rate-limit',
        '100',
        '--rate-interval-ms',
        '60000',
        '--dedupe-replace-input',
        ...remote,
        '--json',
      ]),
    );
    expect(set).toMatchObject({
      type: 'sync-customer',
      source: 'api',
      concurrency: 10,
      key_concurrency: 1,
      rate_limit: { limit: 100, interval_ms: 60_000, per_key: false },
      deduplication: { include_running: false, replace_input: true },
      paused: false,
    });
    expect(await cliOk(['job-types', 'pause', 'sync-customer', ...remote])).toMatch(/state\s+paused/);
    const shown = await cliOk(['job-types', 'flow', 'get', 'sync-customer', ...remote]);
    expect(shown).toMatch(/settings\s+the workspace's own/);
    expect(shown).toMatch(/state\s+paused/);
    expect(shown).toMatch(/key concurrency\s+1\n/);
    expect(shown).toMatch(/rate limit\s+100 per 60000 ms\n/);
    expect(await cliOk(['job-types', 'resume', 'sync-customer', ...remote])).toMatch(/state\s+active/);
    const deleted = await cliOk(['job-types', 'flow', 'delete', 'sync-customer', ...remote]);
    expect(deleted).toMatch(/settings\s+none/);
    expect(deleted).toMatch(/concurrency\s+-/);
  });

  it_('says what is wrong with the settings in one line per problem', async () => {
    const remote = await serve();
    const half = await runCli(['job-types', 'flow', 'set', 'sync', '--rate-limit', '5', ...remote]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('--rate-limit and --rate-interval-ms go together');
    const bad = await runCli([
      'job-types',
      'flow',
      'set',
      'sync',
      '--concurrency',
      '2',
      '--key-concurrency',
      '3',
      ...remote,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error 422 .*\n {2}#\/key_concurrency: must not be more than concurrency/);
  });
});
