// Jobline adapter for the queue benchmark: the built engine from dist/, jobs created through the
// createJobs service (one transaction per batch), run by one Worker.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const DIST = resolve(fileURLToPath(new URL('../../dist', import.meta.url)));

/**
 * @param {{ dialect: 'postgres' | 'sqlite', databaseUrl?: string, concurrency: number, onJob: (data: unknown) => void,
 *           separateProducer?: boolean, workerOptions?: object, dist?: string }} o
 * `separateProducer`: jobs are created through a second set of services (its own pool and wake-ups), so the
 * worker hears of them only through LISTEN/NOTIFY, as when the API and the worker are different processes.
 * `dist`: another build's output directory (a copy of dist/), for comparing builds.
 */
export async function jobline(o) {
  const dist = o.dist === undefined ? DIST : resolve(o.dist);
  // Each entry: the module's path, then where older builds kept it.
  const load = (paths) => {
    const path = paths.find((p) => existsSync(join(dist, p)));
    if (path === undefined) throw new Error(`${dist} has none of ${paths.join(', ')}.`);
    return import(pathToFileURL(join(dist, path)).href);
  };
  const [{ defineJob }, { Registry }, { Worker }, { createServices }, { createJobs }, { ensureWorkspace }] =
    await Promise.all(
      [
        ['engine/define-job.js'],
        ['core/registry.js', 'engine/registry.js'],
        ['engine/worker.js'],
        ['create-services.js', 'services/create.js'],
        ['services/job-creation.js', 'services/jobs.js'],
        ['services/tokens.js'],
      ].map(load),
    );
  const schema = o.dialect === 'postgres' ? `bench_queue_jobline_${process.pid}` : undefined;
  const dataDir = o.dialect === 'sqlite' ? mkdtempSync(join(tmpdir(), 'jobline-bench-queue-')) : undefined;
  const storeOptions = o.dialect === 'postgres' ? { databaseUrl: o.databaseUrl, schema } : { dataDir };
  const noop = defineJob({
    type: 'noop',
    run: (ctx) => {
      o.onJob(ctx.input);
      return null;
    },
  });
  const services = await createServices({ ...storeOptions, registry: new Registry([noop]) });
  const producer = o.separateProducer
    ? await createServices({ ...storeOptions, registry: new Registry([noop]) })
    : services;
  const workspaceId = await ensureWorkspace(services.store.db, 'bench', Date.now());
  const principal = { tokenId: 'bench', workspaceId, scopes: ['admin'] };
  const worker = new Worker(services, { concurrency: o.concurrency, ...o.workerOptions });
  return {
    describe: () => ({ schema, dataDir }),
    async insertBatch(count) {
      const inputs = [];
      for (let i = 0; i < count; i++) inputs.push({ type: 'noop' });
      await createJobs(producer, principal, inputs);
    },
    async insertOne(data) {
      await createJobs(producer, principal, [{ type: 'noop', input: data }]);
    },
    async start() {
      worker.start();
      // LISTEN must be in place before a job is created elsewhere, or the first pickup waits for the poll.
      await services.wakeups.ready();
    },
    async completed() {
      const row = await services.store.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async close() {
      await worker.stop(5000);
      if (producer !== services) await producer.store.close();
      await services.store.close();
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: o.databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
      if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
