import type { Command } from 'commander';
import { pino } from 'pino';
import { Registry } from '../core/registry.js';
import { loadJobModules } from '../engine/job-modules.js';
import { Worker } from '../engine/worker.js';
import { withBuiltinJobs } from '../jobs/builtin.js';
import { createServices } from '../create-services.js';
import { webhookAllowPrivate } from '../config.js';
import { WebhookRuntime } from '../events/webhook-runtime.js';
import { registerCompatCallbacks } from '../compat/index.js';
import { runUntilStopped } from './until-stopped.js';

interface WorkerFlags {
  jobs?: string[];
  databaseUrl?: string;
  data?: string;
  concurrency?: string;
  prefetch?: string;
  shutdownTimeout?: string;
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(value)}.`);
  return n;
}

function nonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(value)}.`);
  return n;
}

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('run job handlers (the built-in types and those of --jobs) without the API; start as many as you like against one PostgreSQL')
    .option('--jobs <modules...>', 'handler modules (.ts, .js) or directories of them, exporting defineJob(...) results (env JOBLINE_JOBS, comma-separated)')
    .option('--database-url <url>', 'postgres://… (env JOBLINE_DATABASE_URL)')
    .option('--data <dir>', 'data directory when running on SQLite (env JOBLINE_DATA_DIR)')
    .option('--concurrency <n>', 'jobs run at once (env JOBLINE_WORKER_CONCURRENCY)')
    .option('--prefetch <n>', 'jobs claimed ahead of free slots and held until one frees; 0 for none (env JOBLINE_WORKER_PREFETCH)')
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long running handlers may take to finish', '10000')
    .action(async (flags: WorkerFlags) => {
      const env = process.env;
      const modules = flags.jobs ?? (env.JOBLINE_JOBS ?? '').split(',').filter((p) => p !== '');
      const logger = pino({ level: env.JOBLINE_LOG_LEVEL ?? 'info' });
      const registry = new Registry(withBuiltinJobs(await loadJobModules(modules)));
      const services = await createServices({
        databaseUrl: flags.databaseUrl ?? (env.JOBLINE_DATABASE_URL || undefined),
        dataDir: flags.data ?? env.JOBLINE_DATA_DIR ?? './data',
        registry,
        policy: { webhookAllowPrivate: webhookAllowPrivate(env) },
      });
      const worker = new Worker(services, {
        concurrency: positive('--concurrency', flags.concurrency ?? env.JOBLINE_WORKER_CONCURRENCY, 10),
        prefetch: nonNegative('--prefetch / JOBLINE_WORKER_PREFETCH', flags.prefetch ?? env.JOBLINE_WORKER_PREFETCH, 0),
        leaseMs: positive('JOBLINE_LEASE_MS', env.JOBLINE_LEASE_MS, 30_000),
        logger,
      });
      worker.start();
      const webhooks = new WebhookRuntime(services, { logger });
      registerCompatCallbacks(webhooks.dispatcher);
      webhooks.start();
      console.log(`Worker ${worker.id} runs ${registry.types().join(', ')} on ${services.store.description}.`);
      runUntilStopped(async (signal) => {
        console.log(`${signal} received: no new jobs; waiting for running ones to finish.`);
        await worker.stop(positive('--shutdown-timeout', flags.shutdownTimeout, 10_000));
        await webhooks.stop();
        await services.store.close();
      });
    });
}
