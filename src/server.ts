import { pino } from 'pino';
import type { ServeConfig } from './config/serve-config.js';
import { buildApp } from './app.js';
import type { App } from './http/app.js';
import type { Services } from './services/context.js';
import { createServices } from './create-services.js';
import { KEY_RETENTION_MS } from './services/idempotency.js';
import { ensureAdminToken } from './services/bootstrap.js';
import { storeJobTypesFile } from './services/job-types-file.js';
import { purgeKeys } from './store/idempotency.js';
import { sweepExpired } from './services/retention.js';
import { Registry } from './core/registry.js';
import { loadJobModules } from './engine/job-modules.js';
import { Worker } from './engine/worker.js';
import { withBuiltinJobs } from './jobs/builtin.js';
import { WebhookRuntime } from './events/webhook-runtime.js';
import { ScheduleRunner } from './services/schedule-runner.js';
import { registerCompatCallbacks } from './compat/index.js';

export interface RunningServer {
  app: App;
  services: Services;
  url: string;
  close(): Promise<void>;
}

/** Starts the API: opens and migrates the database, makes sure an admin token exists, listens. */
export async function startServer(
  config: ServeConfig,
  print: (line: string) => void = console.log,
): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const registry = new Registry(withBuiltinJobs(await loadJobModules(config.jobModules)));
  const services = await createServices({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    registry,
    policy: {
      retentionMs: config.retentionDays * 24 * 3600 * 1000,
      maxFileBytes: config.fileLimit,
      webhookAllowPrivate: config.webhookAllowPrivate,
    },
  });
  let app: App | undefined;
  try {
    if (config.jobTypesFile !== undefined) await storeJobTypesFile(services, config.jobTypesFile);
    const admin = await ensureAdminToken(services, config.adminToken);
    if (admin.created !== undefined) {
      print(`Created an admin token for workspace "default". It is shown once; keep it:\n\n  ${admin.created}\n`);
    }
    app = await buildApp(services, {
      logger,
      requestLogging: config.logLevel === 'debug' || config.logLevel === 'trace',
      bodyLimit: config.bodyLimit,
      rateLimit: { limit: config.rateLimit, windowSeconds: 60 },
      processMetrics: true,
      compatAtRoot: config.compatAtRoot,
      renderedJobBytes: config.jobCacheMb * 1024 * 1024,
      connections: config.connections,
    });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A start that fails (port taken, bad JOBLINE_ADMIN_TOKEN) must not leave the database pool open:
    // its idle connections would keep the process alive for seconds after the error was printed.
    await app?.close().catch(() => undefined);
    await services.store.close().catch(() => undefined);
    throw error;
  }
  // Workers run in this process unless told otherwise; more can run as `jobline worker` processes.
  const worker =
    config.workerConcurrency > 0
      ? new Worker(services, {
          concurrency: config.workerConcurrency,
          prefetch: config.workerPrefetch,
          leaseMs: config.leaseMs,
          logger,
        })
      : undefined;
  worker?.start();
  // Webhook deliveries are background work too: they run where the in-process worker does.
  const webhooks = worker !== undefined ? new WebhookRuntime(services, { logger }) : undefined;
  if (webhooks !== undefined) registerCompatCallbacks(webhooks.dispatcher);
  webhooks?.start();
  // So do schedules: each process that runs workers creates the jobs that fall due (one per time).
  const schedules = worker !== undefined ? new ScheduleRunner(services, { logger }) : undefined;
  schedules?.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  print(
    `Jobline is serving ${url} on ${services.store.description} (dashboard: ${url}/ui, API reference: ${url}/docs)`,
  );

  // Idempotency keys are kept 24 h; an hourly sweep keeps the table small.
  const sweep = setInterval(() => {
    purgeKeys(services.store.db, services.clock.now() - KEY_RETENTION_MS).catch((error: unknown) =>
      logger.warn({ err: error }, 'idempotency key sweep failed'),
    );
  }, 3600_000);
  sweep.unref();
  // Retention: finished jobs and uploads past their period are emptied every ten minutes (and at start).
  const expire = () => {
    sweepExpired(services).catch((error: unknown) => logger.warn({ err: error }, 'retention sweep failed'));
  };
  expire();
  const retention = setInterval(expire, 600_000);
  retention.unref();

  return {
    app,
    services,
    url,
    async close() {
      clearInterval(sweep);
      clearInterval(retention);
      await schedules?.stop();
      await worker?.stop();
      await webhooks?.stop();
      await app.close();
      await services.store.close();
    },
  };
}
