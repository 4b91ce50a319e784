import type { Command } from 'commander';
import { pino } from 'pino';
import { Registry } from '../core/registry.js';
import { loadJobModules } from '../engine/job-modules.js';
import { Worker } from '../engine/worker.js';
import { withBuiltinJobs } from '../jobs/builtin.js';
import { createServices } from '../create-services.js';
import { readSettings, settingOptions, type Flags } from '../config/read.js';
import { WebhookRuntime } from '../events/webhook-runtime.js';
import { ScheduleRunner } from '../services/schedule-runner.js';
import { registerCompatCallbacks } from '../compat/index.js';
import { runUntilStopped } from './until-stopped.js';

export function workerCommand(program: Command): void {
  settingOptions(
    program
      .command('worker')
      .description(
        'run job handlers (the built-in types and those of --jobs) without the API; start as many as you like against one PostgreSQL',
      ),
    'worker',
  ).action(async (flags: Flags) => {
    const settings = readSettings('worker', flags);
    const logger = pino({ level: settings.logLevel });
    const registry = new Registry(withBuiltinJobs(await loadJobModules(settings.jobModules)));
    const services = await createServices({
      databaseUrl: settings.databaseUrl,
      dataDir: settings.dataDir,
      registry,
      policy: {
        retentionMs: settings.retentionDays * 24 * 3600 * 1000,
        maxFileBytes: settings.fileLimit,
        webhookAllowPrivate: settings.webhookAllowPrivate,
      },
    });
    const worker = new Worker(services, {
      concurrency: settings.workerConcurrency,
      prefetch: settings.workerPrefetch,
      leaseMs: settings.leaseMs,
      logger,
    });
    worker.start();
    const webhooks = new WebhookRuntime(services, { logger });
    registerCompatCallbacks(webhooks.dispatcher);
    webhooks.start();
    const schedules = new ScheduleRunner(services, { logger });
    schedules.start();
    console.log(`Worker ${worker.id} runs ${registry.types().join(', ')} on ${services.store.description}.`);
    runUntilStopped(async (signal) => {
      console.log(`${signal} received: no new jobs; waiting for running ones to finish.`);
      await schedules.stop();
      await worker.stop(settings.shutdownTimeoutMs);
      await webhooks.stop();
      await services.store.close();
    });
  });
}
