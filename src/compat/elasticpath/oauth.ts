import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import { issueAccessToken, type Grant } from '../../services/clients.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function grantOf(body: unknown): Grant {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const grantType = field(b, 'grant_type');
  const clientId = field(b, 'client_id');
  const missing = (name: string) =>
    new AppError('validation_failed', `${name} is required`, {
      errors: [{ pointer: `#/${name}`, detail: 'is required' }],
    });
  if (grantType !== 'client_credentials' && grantType !== 'implicit') {
    throw new AppError('validation_failed', 'grant_type must be client_credentials or implicit', {
      errors: [{ pointer: '#/grant_type', detail: 'must be client_credentials or implicit' }],
    });
  }
  if (clientId === undefined) throw missing('client_id');
  if (grantType === 'implicit') return { grantType, clientId };
  const clientSecret = field(b, 'client_secret');
  if (clientSecret === undefined) throw missing('client_secret');
  return { grantType, clientId, clientSecret };
}

/**
 * POST /oauth/access_token: Elastic Path's token endpoint, with form fields (as its SDK sends them) or
 * JSON. The token is an ordinary Jobline API token that expires after an hour.
 */
export function oauthRoutes(scope: FastifyInstance, services: Services): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body.toString())));
  });
  scope.post('/access_token', { config: VENDOR_ROUTE, schema: { hide: true } }, async (request, reply) => {
    const grant = grantOf(request.body);
    const issued = await issueAccessToken(services, grant);
    reply.header('cache-control', 'no-store');
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires: Math.floor(issued.expiresAt / 1000),
      expires_in: Math.round((issued.expiresAt - services.clock.now()) / 1000),
      identifier: grant.grantType,
    };
  });
}
