// BullMQ adapter for the queue benchmark: Redis, Queue.addBulk per batch, one Worker with concurrency 32.
// Finished jobs are removed as BullMQ's production guide advises (removeOnComplete), keeping the last 1,000.
import { createRequire } from 'node:module';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const require = createRequire(import.meta.url);
const version = require('bullmq/package.json').version;
const ioredisVersion = require('ioredis/package.json').version;

export const bullmqSettings = (concurrency) => ({
  concurrency,
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 1000 },
});

export async function bullmq(o) {
  const prefix = `bench_queue_${process.pid}`;
  const settings = bullmqSettings(o.concurrency);
  const connection = () => new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queueConnection = connection();
  const queue = new Queue('noop', {
    connection: queueConnection,
    prefix,
    defaultJobOptions: { removeOnComplete: settings.removeOnComplete, removeOnFail: settings.removeOnFail },
  });
  await queue.waitUntilReady();
  const redisVersion = (await queueConnection.info('server')).match(/redis_version:(\S+)/)?.[1];
  let worker;
  let workerConnection;
  let completed = 0;
  return {
    describe: () => ({ version, ioredisVersion, redisVersion, prefix, settings }),
    async insertBatch(count) {
      const jobs = [];
      for (let i = 0; i < count; i++) jobs.push({ name: 'noop', data: {} });
      await queue.addBulk(jobs);
    },
    async insertOne(data) {
      await queue.add('noop', data);
    },
    async start() {
      worker = new Worker(
        'noop',
        async (job) => {
          o.onJob(job.data);
        },
        { connection: (workerConnection = connection()), prefix, concurrency: settings.concurrency },
      );
      // 'completed' is emitted once moveToFinished has returned from Redis.
      worker.on('completed', () => completed++);
      worker.on('error', (error) => process.stderr.write(`bullmq: ${error.message}\n`));
      await worker.waitUntilReady();
    },
    async completed() {
      return completed;
    },
    async close() {
      await worker?.close();
      await workerConnection?.quit();
      await queue.obliterate({ force: true });
      await queue.close();
      // Anything left under our prefix (event streams, meta keys).
      const keys = await queueConnection.keys(`${prefix}:*`);
      if (keys.length > 0) await queueConnection.del(...keys);
      await queueConnection.quit();
    },
  };
}
