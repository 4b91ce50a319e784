import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/auth.js';
import { createServices } from '../../src/create-services.js';
import { createJobs } from '../../src/services/job-creation.js';
import { getJob } from '../../src/services/job-reads.js';
import { ensureWorkspace } from '../../src/services/tokens.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { eventually, killAllServers, startWorker } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';

const FIXTURE = 'test/fixtures/progress-jobs.ts';

describe.each(DIALECTS)('jobline worker on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await killAllServers();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function database(): Promise<{ flags: string[]; url?: string; dataDir: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobline-worker-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    if (dialect === 'sqlite') return { flags: ['--data', dataDir], dataDir };
    const { url, drop } = await postgresSchema();
    cleanups.push(drop);
    return { flags: ['--database-url', url, '--data', dataDir], url, dataDir };
  }

  it_(
    'keeps running while the queue is empty, runs a job created later, and exits 0 on SIGTERM',
    { timeout: 120_000 },
    async () => {
      const db = await database();
      const worker = await startWorker(['--jobs', FIXTURE, ...db.flags]);
      // An idle worker has nothing to do but wait: it must still be there after a while.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(worker.child.exitCode, worker.output()).toBeNull();
      expect(worker.child.signalCode).toBeNull();

      const services = await createServices({ databaseUrl: db.url, dataDir: db.dataDir });
      cleanups.push(() => services.store.close());
      const principal: Principal = {
        tokenId: 'worker-test',
        workspaceId: await ensureWorkspace(services.store.db, 'worker', Date.now()),
        scopes: ['admin'],
      };
      const [job] = await createJobs(services, principal, [{ type: 'slow-steps', input: { steps: 1, delayMs: 0 } }]);
      const finished = await eventually(
        async () => (await getJob(services, principal, job!.id)).status === 'succeeded',
        30_000,
      );
      expect(finished, worker.output()).toBe(true);

      worker.child.kill('SIGTERM');
      expect(await worker.exited()).toBe(0);
      expect(worker.output()).toContain('SIGTERM received');
    },
  );

  it_('holds the files its handlers write to JOBLINE_FILE_LIMIT, as serve does', { timeout: 120_000 }, async () => {
    const db = await database();
    const worker = await startWorker(db.flags, { env: { JOBLINE_FILE_LIMIT: '1' } });
    const services = await createServices({ databaseUrl: db.url, dataDir: db.dataDir });
    cleanups.push(() => services.store.close());
    const principal: Principal = {
      tokenId: 'worker-test',
      workspaceId: await ensureWorkspace(services.store.db, 'worker', Date.now()),
      scopes: ['admin'],
    };
    // An export of no jobs is still a gzip stream of a few bytes: more than the limit of 1.
    const [job] = await createJobs(services, principal, [{ type: 'export', input: {}, maxAttempts: 1 }]);
    const failed = await eventually(
      async () => (await getJob(services, principal, job!.id)).status === 'failed',
      30_000,
    );
    expect(failed, worker.output()).toBe(true);
    expect(JSON.stringify((await getJob(services, principal, job!.id)).error)).toContain(
      'Files may be at most 1 bytes.',
    );
  });
});
