// graphile-worker adapter for the queue benchmark: its documented batching settings (localQueue,
// completeJobBatchDelay, failJobBatchDelay), jobs added with WorkerUtils.addJobs (one call per batch).
import { createRequire } from 'node:module';
import pg from 'pg';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';

const version = createRequire(import.meta.url)('graphile-worker/package.json').version;
const silent = new Logger(() => () => undefined);

/** The settings of graphile-worker's performance docs, with our concurrency (their pool is concurrency + 1). */
export const graphileSettings = (concurrency) => ({
  concurrentJobs: concurrency,
  maxPoolSize: concurrency + 1,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
});

export async function graphile(o) {
  const schema = `bench_queue_gw_${process.pid}`;
  const settings = graphileSettings(o.concurrency);
  const shared = { connectionString: o.databaseUrl, schema, logger: silent };
  await runMigrations(shared);
  const utils = await makeWorkerUtils(shared);
  let runner;
  return {
    describe: () => ({ version, schema, settings }),
    async insertBatch(count) {
      const specs = [];
      for (let i = 0; i < count; i++) specs.push({ identifier: 'noop', payload: {} });
      await utils.addJobs(specs);
    },
    async insertOne(data) {
      await utils.addJob('noop', data);
    },
    async start() {
      runner = await run({
        ...shared,
        noHandleSignals: true,
        concurrency: settings.concurrentJobs,
        maxPoolSize: settings.maxPoolSize,
        taskList: {
          noop: async (payload) => {
            o.onJob(payload);
          },
        },
        preset: {
          worker: {
            localQueue: settings.localQueue,
            completeJobBatchDelay: settings.completeJobBatchDelay,
            failJobBatchDelay: settings.failJobBatchDelay,
          },
        },
      });
    },
    /** Jobs are deleted when they complete: completed = inserted − left. */
    async completed(inserted) {
      const { rows } = await utils.withPgClient((c) =>
        c.query(`SELECT count(*)::int AS n FROM ${schema}._private_jobs`),
      );
      return inserted - rows[0].n;
    },
    async close() {
      await runner?.stop();
      await utils.release();
      const client = new pg.Client({ connectionString: o.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
