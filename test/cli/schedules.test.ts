import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, cliOk, killAllServers, runCli, startServe } from '../support/processes.js';
import { until } from '../support/until.js';

// Each CLI call is a new Node process compiling TypeScript, a few seconds on a busy machine.
describe('jobline schedules against a running server', { timeout: 120_000 }, () => {
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

  it('creates a schedule the server runs, lists, pauses, changes and deletes it', async () => {
    const created = JSON.parse(
      await cliOk([
        'schedules',
        'create',
        '--type',
        'report',
        '--every',
        '1',
        '--input',
        '{"kind":"daily"}',
        '--name',
        'often',
        ...remote,
        '--json',
      ]),
    );
    expect(created).toMatchObject({
      name: 'often',
      interval_seconds: 1,
      job: { type: 'report', input: { kind: 'daily' } },
    });
    // `jobline serve` runs schedules beside its worker: jobs appear, naming their schedule.
    const jobs = await until('a scheduled job', async () => {
      const res = await fetch(`${server.url}/v1/jobs?type=report`, { headers: { authorization: `Bearer ${admin}` } });
      const body = (await res.json()) as { data: { schedule_id: string | null }[] };
      return body.data.length > 0 ? body.data : undefined;
    });
    expect(jobs[0]!.schedule_id).toBe(created.id);

    const paused = await cliOk(['schedules', 'pause', created.id, ...remote]);
    expect(paused).toMatch(/state\s+paused/);
    const list = await cliOk(['schedules', 'list', ...remote]);
    expect(list).toContain(created.id);
    expect(list).toMatch(/every 1s\s+UTC\s+report\s+paused/);

    const bad = await runCli(['schedules', 'update', created.id, '--cron', '0 25 * * *', ...remote]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error 422');
    expect(bad.stderr).toContain('#/cron');

    const changed = JSON.parse(
      await cliOk([
        'schedules',
        'update',
        created.id,
        '--cron',
        '0 3 * * *',
        '--time-zone',
        'Europe/Berlin',
        '--priority',
        '7',
        ...remote,
        '--json',
      ]),
    );
    expect(changed).toMatchObject({
      cron: '0 3 * * *',
      interval_seconds: null,
      time_zone: 'Europe/Berlin',
      paused: true,
      job: { type: 'report', input: { kind: 'daily' }, priority: 7 },
    });
    expect(await cliOk(['schedules', 'delete', created.id, ...remote])).toContain('Deleted');
    const gone = await runCli(['schedules', 'get', created.id, ...remote]);
    expect(gone.stderr).toContain('Error 404');
  });
});
