import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context.js';
import { vendorScope } from '../vendor-scope.js';
import { elasticPathErrors } from './errors.js';
import { pcmJobRoutes } from './jobs.js';
import { oauthRoutes } from './oauth.js';

/**
 * Elastic Path PXM's jobs API (`/pcm/jobs…`) and the token endpoint its clients authenticate with
 * (`/oauth/access_token`), under `mount` ('/compat/elasticpath', or '' at the root). See docs/compat.md.
 */
export async function mountElasticPath(app: FastifyInstance, services: Services, mount: string): Promise<void> {
  const errors = elasticPathErrors();
  await vendorScope(app, mount, errors, async (api) => {
    await vendorScope(api, '/oauth', elasticPathErrors({ unauthorizedTitle: 'Unauthorized' }), (scope) =>
      oauthRoutes(scope, services),
    );
    await vendorScope(api, '/pcm', errors, (scope) => pcmJobRoutes(scope, services, mount));
  });
}
