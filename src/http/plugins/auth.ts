import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { hasScope, type Principal, type Scope } from '../../core/auth.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import { authenticate, cachedPrincipal } from '../../services/tokens.js';

/**
 * The bearer credential of a request, or undefined when there is none (RFC 6750 §2.1). A route may
 * accept further schemes for the same token (`config.authSchemes`, e.g. Phrase's `ApiToken <token>`).
 */
export function bearerToken(request: FastifyRequest, config: FastifyContextConfig): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const accepted = scheme === 'bearer' || (config.authSchemes ?? []).some((s) => s.toLowerCase() === scheme);
  return accepted ? match[2] : undefined;
}

/**
 * Routes declare the scope they need in `config.scope`; the request hook (see request-hooks.ts) resolves
 * the token before the body is even read, so an anonymous client cannot make the server parse a large
 * body.
 */
export function installAuth(app: FastifyInstance): void {
  app.decorateRequest('principal', undefined);
}

/**
 * Sets request.principal for a route that needs a scope (`config`: the route's, see request-hooks.ts),
 * or throws 401/403. Synchronous when the token is in the cache, the common case; a promise only when
 * the database must be asked.
 */
export function authorize(
  services: Services,
  request: FastifyRequest,
  config: FastifyContextConfig,
): void | Promise<void> {
  const scope = config.scope;
  if (scope === undefined) return;
  const token = bearerToken(request, config);
  if (token === undefined) {
    throw new AppError(
      'unauthorized',
      'Send an API token as `Authorization: Bearer <token>`; create one with `jobline token create`.',
      {
        headers: { 'www-authenticate': 'Bearer realm="jobline"' },
      },
    );
  }
  const cached = cachedPrincipal(services, token);
  if (cached !== undefined) return admit(request, config, scope, cached);
  return authenticate(services, token).then((principal) => admit(request, config, scope, principal));
}

function admit(
  request: FastifyRequest,
  config: FastifyContextConfig,
  scope: Scope,
  principal: Principal | undefined,
): void {
  if (principal === undefined) {
    throw new AppError('unauthorized', 'The token is unknown, revoked or expired.', {
      headers: {
        'www-authenticate':
          'Bearer realm="jobline", error="invalid_token", error_description="The token is unknown, revoked or expired"',
      },
    });
  }
  const providerRoute = principal.providerId !== undefined && config.provider === true;
  if (!providerRoute && !hasScope(principal.scopes, scope)) {
    throw new AppError('forbidden', `This token lacks the ${scope} scope.`, {
      headers: { 'www-authenticate': `Bearer realm="jobline", error="insufficient_scope", scope="${scope}"` },
      extra: { required_scope: scope },
    });
  }
  request.principal = principal;
}
