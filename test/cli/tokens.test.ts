import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, cliOk, eventually, killAllServers, runCli, startServe } from '../support/processes.js';

const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;

interface ListedToken {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  workspace: string;
  revokedAt: number | null;
}

// The token commands work on the database directly, here while a server runs on the same SQLite
// file, which is how an operator uses them.
describe('jobline token', { timeout: 120_000 }, () => {
  let data: string;
  let server: Server;

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
    server = await startServe(['--data', data]);
  }, 120_000);
  afterAll(async () => {
    await killAllServers();
    rmSync(data, { recursive: true, force: true });
  });

  const ok = (args: string[]) => cliOk(args);

  async function list(): Promise<ListedToken[]> {
    return JSON.parse(await ok(['token', 'list', '--data', data, '--json'])) as ListedToken[];
  }

  async function canList(token: string): Promise<boolean> {
    return (await runCli(['jobs', 'list', '--url', server.url, '--token', token])).code === 0;
  }

  it('generates a new well-formed secret each time and stores nothing', async () => {
    const [a, b] = await Promise.all([ok(['token', 'generate']), ok(['token', 'generate'])]);
    expect(a.trim()).toMatch(new RegExp(`^${TOKEN.source}$`));
    expect(b.trim()).toMatch(new RegExp(`^${TOKEN.source}$`));
    expect(a).not.toBe(b);
    expect((await list()).map((t) => t.name)).toEqual(['admin (first start)']);
  });

  it('creates a token that works at once, lists it without its secret, and revokes it', async () => {
    const out = await ok([
      'token',
      'create',
      '--data',
      data,
      '--workspace',
      'acme',
      '--scopes',
      'jobs:read,jobs:write',
      '--name',
      'ci',
    ]);
    const secret = TOKEN.exec(out)![0];
    expect(out).toMatch(/^Created token [0-9a-f-]{36} \(ci\) in workspace acme with scopes jobs:read, jobs:write\./);
    expect(await canList(secret)).toBe(true);

    const tokens = await list();
    const ci = tokens.find((t) => t.name === 'ci')!;
    expect(ci).toMatchObject({ scopes: ['jobs:read', 'jobs:write'], prefix: secret.slice(3, 15), revokedAt: null });
    const table = await ok(['token', 'list', '--data', data]);
    expect(table.split('\n')[0]).toMatch(/^ID\s+WORKSPACE\s+NAME\s+PREFIX\s+SCOPES\s+CREATED\s+REVOKED$/);
    expect(
      table
        .split('\n')
        .find((l) => l.startsWith(ci.id))!
        .split(/\s+/)
        .slice(1, 3),
    ).toEqual(['acme', 'ci']);
    expect(ci.workspace).toBe('acme');
    expect(table).toContain(`jl_${ci.prefix}`);
    for (const shown of [table, JSON.stringify(tokens)]) expect(shown).not.toContain(secret.slice(16));

    expect(await ok(['token', 'revoke', ci.id, '--data', data])).toBe(`Revoked token ${ci.id}.\n`);
    expect((await list()).find((t) => t.id === ci.id)!.revokedAt).toEqual(expect.any(Number));
    // The server caches a verified token for a few seconds; the revoke reaches it within that time.
    expect(await eventually(async () => !(await canList(secret)), 20_000, 1000)).toBe(true);
  });

  it('creates a worker token limited to some job types', async () => {
    const out = await ok([
      'token',
      'create',
      '--data',
      data,
      '--workspace',
      'acme',
      '--scopes',
      'jobs:work',
      '--job-types',
      'render, thumbnail',
      '--name',
      'renderers',
    ]);
    expect(out).toMatch(
      /^Created token [0-9a-f-]{36} \(renderers\) in workspace acme with scopes jobs:work for job types render, thumbnail\./,
    );
    expect((await list()).find((t) => t.name === 'renderers')).toMatchObject({
      scopes: ['jobs:work'],
      jobTypes: ['render', 'thumbnail'],
    });
    const refused = await runCli([
      'token',
      'create',
      '--data',
      data,
      '--workspace',
      'acme',
      '--scopes',
      'jobs:read',
      '--job-types',
      'render',
      '--name',
      'y',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('give the token the jobs:work scope too');
    expect((await list()).map((t) => t.name)).not.toContain('y');
  });

  it('refuses unknown scopes, and revoking a token that does not exist', async () => {
    const scopes = await runCli([
      'token',
      'create',
      '--data',
      data,
      '--workspace',
      'acme',
      '--scopes',
      'jobs:read,root',
      '--name',
      'x',
    ]);
    expect(scopes.code).not.toBe(0);
    expect(scopes.stderr.trim()).toBe(
      'Error: Unknown scope(s) root; use a comma-separated list of jobs:read, jobs:write, jobs:work, admin.',
    );
    const revoke = await runCli(['token', 'revoke', '01890000-0000-7000-8000-000000000000', '--data', data]);
    expect(revoke.code).not.toBe(0);
    expect(revoke.stderr.trim()).toBe('Error: No active token with id "01890000-0000-7000-8000-000000000000".');
    expect((await list()).map((t) => t.name)).not.toContain('x');
  });
});
