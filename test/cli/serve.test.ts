import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killAllServers, runCli, startServe } from '../support/processes.js';

const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/g;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];

describe('jobline serve', () => {
  afterEach(async () => {
    await killAllServers();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('prints an admin token on the first start only, and that token works', { timeout: 90_000 }, async () => {
    const data = tempDir();
    const first = await startServe(['--data', data]);
    const printed = first.output().match(TOKEN) ?? [];
    expect(printed).toHaveLength(1);
    expect(first.output()).toContain(`Jobline is serving ${first.url}`);
    const admin = printed[0]!;
    const listed = await runCli(['jobs', 'list', '--url', first.url, '--token', admin, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ data: [] });
    await first.stop();
    expect(await first.exited()).toBe(0);

    const second = await startServe(['--data', data]);
    expect(second.output()).not.toMatch(TOKEN);
    // The token from the first start still opens the door.
    expect((await runCli(['jobs', 'list', '--url', second.url, '--token', admin])).code).toBe(0);
  });

  it('makes sure the token in JOBLINE_ADMIN_TOKEN exists, and prints none', { timeout: 90_000 }, async () => {
    const generated = await runCli(['token', 'generate']);
    expect(generated.code).toBe(0);
    const chosen = generated.stdout.trim();
    expect(chosen).toMatch(new RegExp(`^${TOKEN.source}$`));

    const server = await startServe(['--data', tempDir()], { env: { JOBLINE_ADMIN_TOKEN: chosen } });
    expect(server.output()).not.toMatch(TOKEN);
    const created = await runCli([
      'jobs',
      'create',
      '--type',
      'thumbnail',
      '--url',
      server.url,
      '--token',
      chosen,
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ type: 'thumbnail', status: 'pending', number: 1 });
  });

  it('refuses a malformed JOBLINE_ADMIN_TOKEN with one line and exits promptly', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const result = await runCli(['serve', '--port', String(await freePort()), '--data', tempDir()], {
      env: { JOBLINE_ADMIN_TOKEN: 'let-me-in' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^Error: JOBLINE_ADMIN_TOKEN must look like jl_/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('stores the job types of --job-types at start, and stops on a bad file', { timeout: 90_000 }, async () => {
    const data = tempDir();
    const file = join(data, 'job-types.json');
    writeFileSync(file, JSON.stringify({ job_types: [{ type: 'word-count', input_schema: { requried: ['text'] } }] }));
    const bad = await runCli(['serve', '--port', String(await freePort()), '--data', data, '--job-types', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/job-types\.json is not valid at #\/job_types\/0: .*unknown keyword: "requried"/);

    const schema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
    writeFileSync(file, JSON.stringify({ job_types: [{ type: 'word-count', input_schema: schema }] }));
    const server = await startServe(['--data', data], { env: { JOBLINE_JOB_TYPES_FILE: file } });
    const admin = (server.output().match(TOKEN) ?? [])[0]!;
    const create = (input: object) =>
      fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'word-count', input }),
      });
    const refused = await create({ txt: 'hello' });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { errors: unknown[] }).errors).toEqual([
      { pointer: '#/input/text', detail: "must have required property 'text'" },
    ]);
    expect((await create({ text: 'hello' })).status).toBe(201);
  });

  it('reports a port that is already taken with one line and a non-zero exit', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const blocker: NetServer = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runCli(['serve', '--port', String(port), '--data', tempDir()]);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('stops on SIGTERM with exit code 0', { timeout: 60_000 }, async () => {
    const server = await startServe(['--data', tempDir()]);
    await server.stop();
    expect(await server.exited()).toBe(0);
    expect(server.output()).toContain('SIGTERM received');
  });
});
