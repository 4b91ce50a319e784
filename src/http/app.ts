import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError, unstorableValue } from '../core/errors.js';
import type { Services } from '../services/context.js';
import './types.js';
import { installAuth } from './plugins/auth.js';
import { clientErrorHandler } from './plugins/client-errors.js';
import { installMetrics } from './plugins/metrics.js';
import { collectRoutes } from './plugins/method-not-allowed.js';
import { installOpenApi } from './plugins/openapi.js';
import { installProblems } from './plugins/problems.js';
import { rateLimit, type RateLimitOptions } from './plugins/rate-limit.js';
import { installRequestHooks } from './plugins/request-hooks.js';
import { installStorableInput } from './plugins/storable-input.js';
import { installRepresentation } from './plugins/representation.js';
import { routerErrorHandler } from './plugins/router-errors.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { RenderedJobs } from './rendered-jobs.js';
import { projectRoutes } from './routes/projects.js';
import { tokenRoutes } from './routes/tokens.js';
import { fileRoutes } from './routes/files.js';
import { eventRoutes } from './routes/events.js';
import { EventSchema } from './schemas/event.js';
import { jobResultRoutes } from './routes/job-results.js';
import { webhookRoutes } from './routes/webhooks.js';
import { scheduleRoutes } from './routes/schedules.js';
import { providerRoutes } from './routes/providers.js';
import { peopleActionRoutes } from './routes/people-actions.js';
import { documentRoutes } from './routes/documents.js';
import { clientRoutes } from './routes/clients.js';
import { statsRoutes } from './routes/stats.js';
import { workerRoutes } from './routes/worker.js';
import { jobTypeRoutes } from './routes/job-types.js';
import { jobFlowRoutes } from './routes/job-flow.js';
import { uiRoutes } from './routes/ui.js';
import { Problem } from './schemas/common.js';
import { Job } from './schemas/job.js';
import { FlowSchema } from './schemas/flow.js';
import { Project } from './schemas/project.js';
import { unstorableJson, validatorCompiler } from './validation.js';
import type { IncomingMessage } from 'node:http';
import { parseMultipartJob } from './multipart-job.js';
import {
  applyConnectionCap,
  DEFAULT_CONNECTION_LIMITS,
  serverOptions,
  type ConnectionLimits,
} from './connection-limits.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppOptions {
  /** Largest request body in bytes (413 beyond). */
  bodyLimit: number;
  rateLimit: RateLimitOptions;
  logger: FastifyBaseLogger | boolean;
  /** Process metrics (CPU, memory, event loop) on /metrics; off in tests, which build many apps. */
  processMetrics: boolean;
  /** A log line per request; off by default, metrics count requests. */
  requestLogging: boolean;
  /** Memory for rendered copies of polled jobs (src/http/rendered-jobs.ts); 0 keeps none. */
  renderedJobBytes: number;
  /** Request, header, keep-alive and idle timeouts, and the cap on open connections. */
  connections: ConnectionLimits;
}

/**
 * Routes served beside the native API with error bodies of their own: the compatible APIs, which sit
 * above http/ and are handed in by src/app.ts.
 */
export interface AppExtension {
  install: (app: App) => Promise<void>;
  /** Renders a router error (a bad path segment) in the extension's own shape; false when the path is not its. */
  sendRouterError: (request: FastifyRequest, reply: FastifyReply, error: AppError) => boolean;
}

// Path parameters are ids (36 characters) and file names; anything far longer is refused by the router.
const MAX_PARAM_LENGTH = 200;

export const DEFAULT_APP_OPTIONS: AppOptions = {
  bodyLimit: 10 * 1024 * 1024,
  rateLimit: { limit: 1200, windowSeconds: 60 },
  logger: false,
  processMetrics: false,
  requestLogging: false,
  renderedJobBytes: 32 * 1024 * 1024,
  connections: DEFAULT_CONNECTION_LIMITS,
};

/**
 * The HTTP application. A request flows: representation (Accept, fields, pretty) → auth → rate
 * limit → body parsing and validation → storable text → route → service → store, and back out
 * through the representation's serializer; every error leaves through one problem+json renderer.
 */
export async function buildHttpApp(
  services: Services,
  options: Partial<AppOptions> = {},
  extension?: AppExtension,
): Promise<App> {
  const o = { ...DEFAULT_APP_OPTIONS, ...options };
  const schemas = [Problem, Job, Project, EventSchema, FlowSchema];
  const app = Fastify({
    ...(typeof o.logger === 'boolean' ? { logger: o.logger } : { loggerInstance: o.logger }),
    bodyLimit: o.bodyLimit,
    ...serverOptions(o.connections),
    logController: new LogController({ disableRequestLogging: !o.requestLogging }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Query strings are parsed once, with a bound on their size, into plain objects.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    clientErrorHandler,
    frameworkErrors: routerErrorHandler(MAX_PARAM_LENGTH, extension?.sendRouterError),
  }).withTypeProvider<TypeBoxTypeProvider>();

  applyConnectionCap(app.server, o.connections);
  for (const schema of schemas) app.addSchema(schema);
  app.setValidatorCompiler(validatorCompiler(schemas));

  // Bodies are JSON or nothing: without Fastify's default text/plain parser, any other content type is
  // a 415 rather than a string handed to the body validator.
  app.removeAllContentTypeParsers();
  // A POST without a body but with `Content-Type: application/json` is common (curl -H …, SDKs);
  // treat it as no body rather than a parse error. Bodies are parsed with prototype-poisoning checks,
  // then refused (400) when no database could store them.
  const parseJson = (
    _request: unknown,
    body: string | Buffer,
    done: (err: Error | null, body?: unknown) => void,
  ): void => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch (error) {
      const e = error as Error & { statusCode?: number; code?: string };
      e.statusCode = 400;
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      return done(e, undefined);
    }
    const unstorable = unstorableJson(value);
    if (unstorable !== undefined) return done(unstorableValue(unstorable));
    done(null, value);
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  // Jobs may be created with their input files in one multipart request; no other route takes forms.
  app.addContentTypeParser('multipart/form-data', (request: FastifyRequest, payload: IncomingMessage) => {
    if (request.method !== 'POST' || request.routeOptions.url !== '/v1/jobs') {
      return Promise.reject(
        new AppError('unsupported_media_type', 'Only POST /v1/jobs accepts multipart/form-data; send JSON.'),
      );
    }
    return parseMultipartJob(services, request, payload, o.bodyLimit);
  });
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/, { parseAs: 'string' }, parseJson);

  installProblems(app);
  installRepresentation(app);
  installAuth(app);
  // Collected before any route is added, so /metrics, /openapi.json and /docs answer 405 too.
  const routes = collectRoutes(app);
  const rendered = new RenderedJobs(o.renderedJobBytes);
  const observe = installMetrics(app, services.store, { processMetrics: o.processMetrics, rendered });
  // Hooks apply to every route of this instance however late it is added (Fastify binds them at ready).
  installRequestHooks(app, services, { rateLimit: rateLimit(o.rateLimit, services.clock), observe });
  installStorableInput(app);
  await installOpenApi(app);

  healthRoutes(app, services);
  jobRoutes(app, services, rendered);
  projectRoutes(app, services);
  tokenRoutes(app, services);
  fileRoutes(app, services);
  jobResultRoutes(app, services);
  webhookRoutes(app, services);
  scheduleRoutes(app, services);
  providerRoutes(app, services);
  peopleActionRoutes(app, services);
  documentRoutes(app, services);
  clientRoutes(app, services);
  await extension?.install(app);
  eventRoutes(app, services);
  statsRoutes(app, services);
  workerRoutes(app, services);
  jobTypeRoutes(app, services);
  jobFlowRoutes(app, services);
  uiRoutes(app); // the dashboard's static files at /ui
  await app.after(); // routes declared inside plugins (uploads) exist only once these load
  routes.finish();
  return app;
}
