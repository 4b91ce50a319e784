import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasScope } from '../../core/auth.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import { authenticate } from '../../services/tokens.js';

/**
 * The bearer credential of a request, or undefined when there is none (RFC 6750 §2.1). A route may
 * accept further schemes for the same token (`config.authSchemes`, e.g. Phrase's `ApiToken <token>`).
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const accepted = scheme === 'bearer' || (request.routeOptions.config.authSchemes ?? []).some((s) => s.toLowerCase() === scheme);
  return accepted ? match[2] : undefined;
}

/**
 * Routes declare the scope they need in `config.scope`; the hook resolves the token before the body
 * is even read, so an anonymous client cannot make the server parse a large body.
 */
export function installAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const token = bearerToken(request);
    if (token === undefined) {
      throw new AppError('unauthorized', 'Send an API token as `Authorization: Bearer <token>`; create one with `jobline token create`.', {
        headers: { 'www-authenticate': 'Bearer realm="jobline"' },
      });
    }
    const principal = await authenticate(services, token);
    if (principal === undefined) {
      throw new AppError('unauthorized', 'The token is unknown, revoked or expired.', {
        headers: { 'www-authenticate': 'Bearer realm="jobline", error="invalid_token", error_description="The token is unknown, revoked or expired"' },
      });
    }
    const providerRoute = principal.providerId !== undefined && request.routeOptions.config.provider === true;
    if (!providerRoute && !hasScope(principal.scopes, scope)) {
      throw new AppError('forbidden', `This token lacks the ${scope} scope.`, {
        headers: { 'www-authenticate': `Bearer realm="jobline", error="insufficient_scope", scope="${scope}"` },
        extra: { required_scope: scope },
      });
    }
    request.principal = principal;
  });
}
