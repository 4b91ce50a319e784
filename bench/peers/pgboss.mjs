// pg-boss adapter for the queue benchmark. pg-boss 10 has no per-worker concurrency option (teamSize
// went in 10.0): a worker is a loop that fetches `batchSize` jobs, hands them to the handler, completes
// them with one statement and polls again after `pollingIntervalSeconds` (0.5 s at the least). So
// "concurrency 32" is 32 work() loops, and throughput comes from the batch size.
import { createRequire } from 'node:module';
import pg from 'pg';
import PgBoss from 'pg-boss';

const version = createRequire(import.meta.url)('pg-boss/package.json').version;

export const pgbossSettings = (concurrency, batchSize) => ({
  workers: concurrency,
  batchSize,
  pollingIntervalSeconds: 0.5,
  max: concurrency + 2,
});

export async function pgboss(o) {
  const schema = `bench_queue_pgboss_${process.pid}`;
  const settings = pgbossSettings(o.concurrency, o.pgbossBatch ?? 100);
  const boss = new PgBoss({ connectionString: o.databaseUrl, schema, max: settings.max });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  await boss.createQueue('noop');
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 1 });
  return {
    describe: () => ({ version, schema, settings }),
    async insertBatch(count) {
      const jobs = [];
      for (let i = 0; i < count; i++) jobs.push({ name: 'noop', data: {} });
      await boss.insert(jobs);
    },
    async insertOne(data) {
      await boss.send('noop', data);
    },
    async start() {
      for (let i = 0; i < settings.workers; i++) {
        await boss.work(
          'noop',
          { batchSize: settings.batchSize, pollingIntervalSeconds: settings.pollingIntervalSeconds },
          async (jobs) => {
            for (const job of jobs) o.onJob(job.data);
          },
        );
      }
    },
    async completed() {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM ${schema}.job WHERE name = 'noop' AND state = 'completed'`,
      );
      return rows[0].n;
    },
    async close() {
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}
