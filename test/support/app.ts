import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Scope } from '../../src/core/auth.js';
import { buildApp, type App, type AppOptions } from '../../src/http/app.js';
import type { Services } from '../../src/services/context.js';
import { createToken } from '../../src/services/tokens.js';
import { testServices, type Dialect } from './databases.js';
import type { Clock } from '../../src/core/clock.js';
import type { JobDefinition } from '../../src/engine/define-job.js';
import type { Policy } from '../../src/services/context.js';

export interface TestApp {
  app: App;
  services: Services;
  /** An admin token of workspace "acme". */
  admin: string;
  token(scopes: Scope[], workspace?: string): Promise<string>;
  /** inject() with the admin token unless `headers.authorization` is given. */
  call(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function testApp(
  dialect: Dialect,
  options: Partial<AppOptions> & { clock?: Clock; definitions?: JobDefinition[]; policy?: Partial<Policy> } = {},
): Promise<TestApp> {
  const { clock, definitions, policy, ...appOptions } = options;
  const { services, cleanup } = await testServices(dialect, { clock, definitions, policy });
  const app = await buildApp(services, { rateLimit: { limit: 0, windowSeconds: 60 }, ...appOptions });
  const token = async (scopes: Scope[], workspace = 'acme') => (await createToken(services, { workspace, name: 'test', scopes })).secret;
  const admin = await token(['admin']);
  return {
    app,
    services,
    admin,
    token,
    call: ({ token: t, ...rest }) =>
      app.inject({ ...rest, headers: { ...(t === null ? {} : { authorization: `Bearer ${t ?? admin}` }), ...(rest.headers ?? {}) } }),
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}
