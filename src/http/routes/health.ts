import { sql } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import type { App } from '../app.js';

export function healthRoutes(app: App, services: Services): void {
  // Liveness: the process answers. Kept free of I/O so a slow database never gets the process killed.
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  // Readiness: the database answers; load balancers stop sending traffic while it does not.
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness (database reachable)' } }, async (request) => {
    try {
      await sql`SELECT 1`.execute(services.store.db);
      return { status: 'ok', database: services.store.capabilities.dialect };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new AppError('unavailable', 'The database is not reachable.', { headers: { 'retry-after': '5' } });
    }
  });
}
