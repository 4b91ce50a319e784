import { Type, type TSchema } from '@sinclair/typebox';
import { sql } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import type { App } from '../app.js';
import { problem, RepresentationQuery } from '../schemas/common.js';

// Probes are public (`security: []` overrides the document's bearer default). They read `fields` and
// `pretty` and ignore any other query parameter: monitors and load balancers add their own
// (cache busters, probe ids), and a probe must not fail on them.
const probe = (summary: string, ok: TSchema, extra: Record<number, unknown> = {}) => ({
  tags: ['operations'],
  summary,
  security: [],
  querystring: Type.Object(RepresentationQuery),
  response: { 200: ok, 400: problem, 406: problem, 429: problem, ...extra },
});
const Live = Type.Object({ status: Type.Literal('ok') });
const Ready = Type.Object({ status: Type.Literal('ok'), database: Type.String({ description: 'sqlite or postgres' }) });

export function healthRoutes(app: App, services: Services): void {
  // Liveness: the process answers. Kept free of I/O so a slow database never gets the process killed.
  app.get('/healthz', { schema: probe('Liveness', Live) }, async () => ({ status: 'ok' }));

  // Readiness: the database answers; load balancers stop sending traffic while it does not.
  app.get('/readyz', { schema: probe('Readiness (database reachable)', Ready, { 503: problem }) }, async (request) => {
    try {
      await sql`SELECT 1`.execute(services.store.db);
      return { status: 'ok', database: services.store.dialect.name };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new AppError('unavailable', 'The database is not reachable.', { headers: { 'retry-after': '5' } });
    }
  });
}
