import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, killAllServers, runCli, startServe } from '../support/processes.js';

// `jobline client create` writes to the database directly; a server started with
// JOBLINE_COMPAT_ROOT=elasticpath then exchanges the credentials at its root /oauth/access_token.
describe('jobline client', { timeout: 120_000 }, () => {
  let data: string;

  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
  });
  afterAll(async () => {
    await killAllServers();
    rmSync(data, { recursive: true, force: true });
  });

  it('creates a client whose credentials a server exchanges for a working token', async () => {
    const out = await cliOk(['client', 'create', '--workspace', 'acme', '--scopes', 'jobs:read', '--data', data]);
    const clientId = /client_id:\s+(\S+)/.exec(out)?.[1];
    const clientSecret = /client_secret:\s+(\S+)/.exec(out)?.[1];
    expect(clientId).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const server = await startServe(['--data', data, '--concurrency', '0'], {
      env: { JOBLINE_COMPAT_ROOT: 'elasticpath' },
    });
    const issued = await fetch(`${server.url}/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId!,
        client_secret: clientSecret!,
      }).toString(),
    });
    expect(issued.status).toBe(200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const list = await fetch(`${server.url}/pcm/jobs`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ data: [], meta: { results: { total: 0 } } });
  });

  it('refuses unknown scopes and an unknown name in JOBLINE_COMPAT_ROOT', async () => {
    const bad = await runCli(['client', 'create', '--workspace', 'acme', '--scopes', 'everything', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Unknown scope');
    const start = await runCli(['serve', '--data', data, '--port', '0'], {
      env: { JOBLINE_COMPAT_ROOT: 'elasticpath,phrasebook' },
    });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      'JOBLINE_COMPAT_ROOT must be a comma-separated list of elasticpath, asana, phrase, textking, got "phrasebook".',
    );
  });
});
