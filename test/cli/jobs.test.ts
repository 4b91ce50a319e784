import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, cliOk, freePort, killAllServers, runCli, startServe } from '../support/processes.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Each CLI call is a new Node process compiling TypeScript, a few seconds on a busy machine.
describe('jobline jobs against a running server', { timeout: 120_000 }, () => {
  let server: Server;
  let data: string;
  let admin: string;
  let remote: string[];

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
    server = await startServe(['--data', data]);
    admin = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(server.output())![0];
    remote = ['--url', server.url, '--token', admin];
  }, 120_000);
  afterAll(async () => {
    await killAllServers();
    rmSync(data, { recursive: true, force: true });
  });

  const ok = (args: string[]) => cliOk(args);
  async function api(method: string, path: string, body?: object): Promise<{ id: string }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as { id: string };
  }

  it('creates, reads, lists and cancels a job with --json', async () => {
    const created = JSON.parse(
      await ok([
        'jobs',
        'create',
        '--type',
        'thumbnail',
        '--name',
        'Nightly',
        '--input',
        '{"format":"jsonl"}',
        '--priority',
        '5',
        ...remote,
        '--json',
      ]),
    );
    expect(created).toMatchObject({
      type: 'thumbnail',
      name: 'Nightly',
      priority: 5,
      input: { format: 'jsonl' },
      status: 'pending',
      status_reason: 'queued',
    });
    expect(created.id).toMatch(UUID);

    expect(JSON.parse(await ok(['jobs', 'get', created.id, ...remote, '--json']))).toMatchObject(created);

    const listed = JSON.parse(await ok(['jobs', 'list', '--type', 'thumbnail', ...remote, '--json']));
    expect(listed.data.map((j: { id: string }) => j.id)).toContain(created.id);

    const cancelled = JSON.parse(await ok(['jobs', 'cancel', created.id, ...remote, '--json']));
    expect(cancelled).toMatchObject({ id: created.id, status: 'cancelled', status_reason: 'cancelled_by_client' });
    const pending = JSON.parse(
      await ok(['jobs', 'list', '--status', 'pending', '--type', 'thumbnail', ...remote, '--json']),
    );
    expect(pending.data.map((j: { id: string }) => j.id)).not.toContain(created.id);
  });

  it('prints readable tables and fields without --json', async () => {
    const created = JSON.parse(
      await ok(['jobs', 'create', '--type', 'report', '--input', '{"month":"2026-01"}', ...remote, '--json']),
    );

    const shown = await ok(['jobs', 'get', created.id, ...remote]);
    const fields = Object.fromEntries(
      shown
        .trim()
        .split('\n')
        .map((line) => /^(\w+)\s+(.*)$/.exec(line)!.slice(1, 3)),
    );
    expect(fields).toMatchObject({
      id: created.id,
      type: 'report',
      status: 'pending (queued)',
      input: '{"month":"2026-01"}',
      output: '-',
      name: '-',
    });

    const project = await api('POST', '/v1/projects', { name: 'Reports' });
    const inProject = JSON.parse(
      await ok(['jobs', 'create', '--type', 'report', '--project', project.id, ...remote, '--json']),
    );
    const table = (await ok(['jobs', 'list', '--type', 'report', ...remote])).trim().split('\n');
    expect(table[0]).toMatch(/^ID\s+NUMBER\s+PROJECT\s+TYPE\s+STATUS\s+REASON\s+PROGRESS\s+CREATED$/);
    expect(table.slice(1)).toHaveLength(2);
    expect(table[1]!.split(/\s+/)).toEqual([
      inProject.id,
      String(inProject.number),
      project.id,
      'report',
      'pending',
      'queued',
      '0%',
      inProject.created_at,
    ]);
    expect(table[2]!.split(/\s+/)).toEqual([
      created.id,
      String(created.number),
      '-',
      'report',
      'pending',
      'queued',
      '0%',
      created.created_at,
    ]);
    // Columns line up: every row starts its TYPE column where the header does.
    expect(table[1]!.indexOf('report')).toBe(table[0]!.indexOf('TYPE'));
  });

  it("exports the project named by --project: an export job's own project is its scope", async () => {
    const project = await api('POST', '/v1/projects', { name: 'To export' });
    for (const name of ['one', 'two'])
      await api('POST', '/v1/jobs', { type: 'translate', name, project_id: project.id });
    await api('POST', '/v1/jobs', { type: 'translate', name: 'elsewhere' });
    const created = JSON.parse(
      await ok(['jobs', 'create', '--type', 'export', '--project', project.id, ...remote, '--json']),
    );
    expect(created.project_id).toBe(project.id);
    expect((await runCli(['jobs', 'wait', created.id, ...remote])).code).toBe(0);
    const done = JSON.parse(await ok(['jobs', 'get', created.id, ...remote, '--json']));
    expect(done.output).toEqual({ file: 'jobs.jsonl.gz', count: 2, project_id: project.id });
  });

  it('replays a create with the same --idempotency-key instead of creating twice', async () => {
    const args = ['jobs', 'create', '--type', 'import', '--idempotency-key', 'cli-retry-1', ...remote, '--json'];
    const first = JSON.parse(await ok(args));
    const again = JSON.parse(await ok(args));
    expect(again.id).toBe(first.id);
    const listed = JSON.parse(await ok(['jobs', 'list', '--type', 'import', ...remote, '--json']));
    expect(listed.data).toHaveLength(1);
  });

  it('explains a refused cancel in one line and exits non-zero', async () => {
    const created = JSON.parse(await ok(['jobs', 'create', '--type', 'twice', ...remote, '--json']));
    await ok(['jobs', 'cancel', created.id, ...remote]);
    const again = await runCli(['jobs', 'cancel', created.id, ...remote]);
    expect(again.code).not.toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr.trim()).toMatch(/^Error 409 job_state_conflict: The job is cancelled/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a bad token in one line with a non-zero exit', async () => {
    const result = await runCli([
      'jobs',
      'list',
      '--url',
      server.url,
      '--token',
      'jl_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(/^Error 401 unauthorized: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports an unreachable server in one line with a non-zero exit', async () => {
    const result = await runCli(['jobs', 'list', '--url', `http://127.0.0.1:${await freePort()}`, '--token', admin]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(/^Error: cannot reach the server \(.*ECONNREFUSED.*\)/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('asks for a token when none is given, and for a JSON object as --input', async () => {
    const missing = await runCli(['jobs', 'list', '--url', server.url]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe(
      'Error: Give a token with --token or JOBLINE_TOKEN (create one with `jobline token create`).',
    );
    const badInput = await runCli(['jobs', 'create', '--type', 'x', '--input', '[1,2]', ...remote]);
    expect(badInput.code).not.toBe(0);
    expect(badInput.stderr.trim()).toMatch(/^Error: --input must be a JSON object/);
  });

  it('takes the server and token from JOBLINE_URL and JOBLINE_TOKEN', async () => {
    const result = await runCli(['jobs', 'create', '--type', 'from-env', '--json'], {
      env: { JOBLINE_URL: server.url, JOBLINE_TOKEN: admin },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'from-env' });
  });
});
