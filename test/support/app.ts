import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Scope } from '../../src/core/auth.js';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import type { App } from '../../src/http/app.js';
import type { Services } from '../../src/services/context.js';
import { createToken } from '../../src/services/tokens.js';
import { testServices, type Dialect } from './databases.js';
import type { Clock } from '../../src/core/clock.js';
import type { JobDefinition } from '../../src/engine/define-job.js';
import { Worker } from '../../src/engine/worker.js';
import type { Policy } from '../../src/services/context.js';
import { WebhookRuntime, type WebhookRuntimeOptions } from '../../src/events/webhook-runtime.js';
import { registerCompatCallbacks } from '../../src/compat/index.js';

export interface TestApp {
  app: App;
  services: Services;
  /** An admin token of workspace "acme". */
  admin: string;
  token(scopes: Scope[], workspace?: string): Promise<string>;
  /** inject() with the admin token unless `headers.authorization` is given. */
  call(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  /** Polls the job until it is finished (needs `worker: true`); returns its representation. */
  finished(id: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export async function testApp(
  dialect: Dialect,
  options: Partial<BuildAppOptions> & {
    clock?: Clock;
    definitions?: JobDefinition[];
    policy?: Partial<Policy>;
    worker?: boolean;
    webhooks?: boolean | WebhookRuntimeOptions;
  } = {},
): Promise<TestApp> {
  const { clock, definitions, policy, worker: withWorker, webhooks: withWebhooks, ...appOptions } = options;
  const { services, cleanup } = await testServices(dialect, { clock, definitions, policy });
  const app = await buildApp(services, { rateLimit: { limit: 0, windowSeconds: 60 }, ...appOptions });
  const token = async (scopes: Scope[], workspace = 'acme') =>
    (await createToken(services, { workspace, name: 'test', scopes })).secret;
  const admin = await token(['admin']);
  // A worker in the same process runs the registered job types, as `jobline serve` does.
  const worker = withWorker === true ? new Worker(services, { pollMs: 50 }) : undefined;
  worker?.start();
  // Webhook dispatch and delivery, as `jobline serve` runs them beside its worker.
  const webhooks =
    withWebhooks === undefined || withWebhooks === false
      ? undefined
      : new WebhookRuntime(services, {
          pollMs: 100,
          dispatcher: { pollMs: 100 },
          ...(withWebhooks === true ? {} : withWebhooks),
        });
  if (webhooks !== undefined) registerCompatCallbacks(webhooks.dispatcher);
  webhooks?.start();
  return {
    app,
    services,
    admin,
    token,
    call: ({ token: t, ...rest }) =>
      app.inject({
        ...rest,
        headers: { ...(t === null ? {} : { authorization: `Bearer ${t ?? admin}` }), ...(rest.headers ?? {}) },
      }),
    finished: async (id) => {
      for (let i = 0; i < 400; i++) {
        const job = (
          await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: `Bearer ${admin}` } })
        ).json();
        if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`job ${id} did not finish within 10 s`);
    },
    close: async () => {
      await worker?.stop(1000);
      await webhooks?.stop();
      await app.close();
      await cleanup();
    },
  };
}
