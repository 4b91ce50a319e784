import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context.js';
import { vendorScope } from '../vendor-scope.js';
import { phraseErrors } from './errors.js';
import { phraseRoutes } from './routes.js';

/** Phrase TMS's job endpoints under `mount` + '/web' (its base URL is …/web). See docs/compat.md. */
export async function mountPhrase(app: FastifyInstance, services: Services, mount: string): Promise<void> {
  // Two scopes, so that unknown paths under /compat/phrase outside /web get Phrase's body as well.
  await vendorScope(app, mount, phraseErrors, (api) =>
    vendorScope(api, '/web', phraseErrors, (scope) => phraseRoutes(scope, services)),
  );
}
