import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JoblineClient } from '../../src/client/client.js';
import type { JobRepresentation } from '../../src/core/job-json.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { killAllServers, runCli, startServe } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';

const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;

describe.each(DIALECTS)('a killed server on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await killAllServers();
    for (const c of cleanups.splice(0)) await c();
  });

  async function databaseFlags(): Promise<string[]> {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      return ['--data', dir];
    }
    // A schema of its own, reached through the URL alone (search_path in the connection options).
    const { url, drop } = await postgresSchema();
    cleanups.push(drop);
    return ['--database-url', url];
  }

  it_(
    'keeps every job it accepted, and their numbers and statuses, after SIGKILL and a restart',
    { timeout: 180_000 },
    async () => {
      const db = await databaseFlags();
      const first = await startServe(db);
      const admin = TOKEN.exec(first.output())![0];
      const api = new JoblineClient(first.url, admin);
      const project = await api.request<{ id: string }>('POST', '/v1/projects', { name: 'Durable' });

      const accepted: JobRepresentation[] = [];
      for (let i = 0; i < 6; i++)
        accepted.push(await api.createJob({ type: 'durable', project_id: project.id, input: { i } }));
      accepted.push(await api.createJob({ type: 'durable', name: 'keyed' }, 'restart-key'));
      const cancelled = await api.cancelJob(accepted[0]!.id);

      // Creates still arriving when the process dies: each one that was answered 201 must survive.
      let firstLate!: () => void;
      const lateAccepted = new Promise<void>((r) => (firstLate = r));
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        api.createJob({ type: 'durable', project_id: project.id, input: { late: i } }).then(
          (job) => {
            accepted.push(job);
            firstLate();
          },
          () => undefined, // the connection died with the server; the client never learned of a job
        ),
      );
      // Kill as soon as one of them was answered, so the others are cut off mid-way.
      await Promise.race([lateAccepted, new Promise((r) => setTimeout(r, 10_000))]);
      await first.kill();
      expect(first.child.signalCode).toBe('SIGKILL');
      await Promise.all(inFlight);
      expect(accepted.length).toBeGreaterThan(7);

      const second = await startServe(db);
      expect(second.output()).not.toMatch(TOKEN); // the database still has its admin token
      const listed = await runCli([
        'jobs',
        'list',
        '--type',
        'durable',
        '--limit',
        '100',
        '--url',
        second.url,
        '--token',
        admin,
        '--json',
      ]);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      const after = new Map((JSON.parse(listed.stdout) as { data: JobRepresentation[] }).data.map((j) => [j.id, j]));
      for (const job of accepted) {
        const expected = job.id === cancelled.id ? cancelled : job;
        expect(after.get(job.id)).toMatchObject({
          id: expected.id,
          number: expected.number,
          status: expected.status,
          input: expected.input,
          version: expected.version,
        });
      }

      // Project numbers carry on from the last one used, and the Idempotency-Key is still remembered.
      const numbers = [...after.values()].filter((j) => j.project_id === project.id).map((j) => j.number);
      const again = new JoblineClient(second.url, admin);
      expect((await again.createJob({ type: 'durable', project_id: project.id })).number).toBe(
        Math.max(...numbers) + 1,
      );
      expect((await again.createJob({ type: 'durable', name: 'keyed' }, 'restart-key')).id).toBe(accepted[6]!.id);
    },
  );
});
