import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context.js';
import { vendorScope } from '../vendor-scope.js';
import { asanaErrors } from './errors.js';
import { asanaRoutes } from './routes.js';

/** Asana's jobs and the operations that start them, under `mount` + '/api/1.0'. See docs/compat.md. */
export async function mountAsana(app: FastifyInstance, services: Services, mount: string): Promise<void> {
  // Two scopes, so that unknown paths under /compat/asana outside /api/1.0 get Asana's body as well.
  await vendorScope(app, mount, asanaErrors, (api) =>
    vendorScope(api, '/api/1.0', asanaErrors, (scope) => asanaRoutes(scope, services, `${mount}/api/1.0`)),
  );
}
