import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import type { App } from '../app.js';
import { RepresentationQuery } from '../schemas/common.js';

// Probes are public (`security: []` overrides the document's bearer default) and take only `fields`/`pretty`.
const probe = (summary: string) => ({ tags: ['operations'], summary, security: [], querystring: Type.Object(RepresentationQuery, { additionalProperties: false }) });

export function healthRoutes(app: App, services: Services): void {
  // Liveness: the process answers. Kept free of I/O so a slow database never gets the process killed.
  app.get('/healthz', { schema: probe('Liveness') }, async () => ({ status: 'ok' }));

  // Readiness: the database answers; load balancers stop sending traffic while it does not.
  app.get('/readyz', { schema: probe('Readiness (database reachable)') }, async (request) => {
    try {
      await sql`SELECT 1`.execute(services.store.db);
      return { status: 'ok', database: services.store.capabilities.dialect };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new AppError('unavailable', 'The database is not reachable.', { headers: { 'retry-after': '5' } });
    }
  });
}
