import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import secureJson from 'secure-json-parse';
import type { Services } from '../services/context.js';
import './types.js';
import { installAuth } from './plugins/auth.js';
import { installMetrics } from './plugins/metrics.js';
import { collectRoutes } from './plugins/method-not-allowed.js';
import { installOpenApi } from './plugins/openapi.js';
import { installProblems } from './plugins/problems.js';
import { installRateLimit, type RateLimitOptions } from './plugins/rate-limit.js';
import { installRepresentation } from './plugins/representation.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { projectRoutes } from './routes/projects.js';
import { tokenRoutes } from './routes/tokens.js';
import { Problem } from './schemas/common.js';
import { Job } from './schemas/job.js';
import { Project } from './schemas/project.js';
import { validatorCompiler } from './validation.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface AppOptions {
  /** Largest request body in bytes (413 beyond). */
  bodyLimit: number;
  rateLimit: RateLimitOptions;
  logger: FastifyBaseLogger | boolean;
  /** Process metrics (CPU, memory, event loop) on /metrics; off in tests, which build many apps. */
  processMetrics: boolean;
  /** A log line per request; off by default, metrics count requests. */
  requestLogging: boolean;
}

export const DEFAULT_APP_OPTIONS: AppOptions = {
  bodyLimit: 10 * 1024 * 1024,
  rateLimit: { limit: 1200, windowSeconds: 60 },
  logger: false,
  processMetrics: false,
  requestLogging: false,
};

/**
 * The HTTP application. A request flows: representation (Accept, fields, pretty) → auth → rate
 * limit → body parsing and validation → route → service → store, and back out through the
 * representation's serializer; every error leaves through one problem+json renderer.
 */
export async function buildApp(services: Services, options: Partial<AppOptions> = {}): Promise<App> {
  const o = { ...DEFAULT_APP_OPTIONS, ...options };
  const schemas = [Problem, Job, Project];
  const app = Fastify({
    ...(typeof o.logger === 'boolean' ? { logger: o.logger } : { loggerInstance: o.logger }),
    bodyLimit: o.bodyLimit,
    logController: new LogController({ disableRequestLogging: !o.requestLogging }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Query strings are parsed once, with a bound on their size, into plain objects.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of schemas) app.addSchema(schema);
  app.setValidatorCompiler(validatorCompiler(schemas));

  // A POST without a body but with `Content-Type: application/json` is common (curl -H …, SDKs);
  // treat it as no body rather than a parse error. Bodies are parsed with prototype-poisoning checks.
  app.removeContentTypeParser('application/json');
  const parseJson = (_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
    } catch (error) {
      const e = error as Error & { statusCode?: number; code?: string };
      e.statusCode = 400;
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(e, undefined);
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/, { parseAs: 'string' }, parseJson);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
  });
  installProblems(app);
  installRepresentation(app);
  installAuth(app, services);
  installRateLimit(app, o.rateLimit, services.clock);
  installMetrics(app, services.store, { processMetrics: o.processMetrics });
  await installOpenApi(app);

  const routes = collectRoutes(app);
  healthRoutes(app, services);
  jobRoutes(app, services);
  projectRoutes(app, services);
  tokenRoutes(app, services);
  routes.finish();
  return app;
}
