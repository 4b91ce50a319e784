import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context.js';
import { textkingScope } from './errors.js';
import { textkingRoutes } from './routes.js';

/**
 * TextKing's translation API (projects, jobs, documents) under `mount` + '/v1'. See docs/compat.md.
 * It cannot be served at the root path: its /v1/projects would be the native API's.
 */
export async function mountTextKing(app: FastifyInstance, services: Services, mount: string): Promise<void> {
  if (mount === '')
    throw new Error(
      "The TextKing API cannot be mounted at the root path: its /v1/projects is the native API's. Use /compat/textking/v1.",
    );
  // Two scopes, so that unknown paths under /compat/textking outside /v1 get TextKing's body as well.
  await textkingScope(app, mount, (api) =>
    textkingScope(api, '/v1', (scope) => textkingRoutes(scope, services, mount)),
  );
}
