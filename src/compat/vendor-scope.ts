import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { toAppError } from '../http/plugins/problems.js';

/** A vendor's error body for one of Jobline's errors: each compatible API has exactly one of these. */
export type VendorErrorRenderer = (error: AppError, request: FastifyRequest) => { status: number; body: unknown };

/**
 * Route config shared by every compatible route. The vendor's JSON is the only representation, so the
 * native content negotiation (Accept, `fields`, `pretty`) is off; and the native 405 routes are not
 * added for these paths (`methodNotAllowed` marks a route the 405 collector skips): an unknown method
 * under a vendor prefix is answered by the vendor's own not-found body instead.
 */
export const VENDOR_ROUTE = { negotiate: false, methodNotAllowed: true } as const;

export function sendVendorError(
  render: VendorErrorRenderer,
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
): FastifyReply {
  // Headers the error carries (WWW-Authenticate, Retry-After) mean the same under every body.
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const { status, body } = render(error, request);
  return reply.code(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
}

/**
 * An encapsulated Fastify scope under `prefix` whose errors (including those thrown by the global
 * auth and rate-limit hooks) and unknown routes are answered in the vendor's body, never as native
 * problem details. The prefix '' (a compatible API mounted at the root) cannot have a not-found
 * handler of its own, since the root path's belongs to the native API.
 */
export async function vendorScope(
  app: FastifyInstance,
  prefix: string,
  render: VendorErrorRenderer,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        const appError = toAppError(error);
        if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
        return sendVendorError(render, request, reply, appError);
      });
      if (prefix !== '') {
        scope.setNotFoundHandler((request, reply) =>
          sendVendorError(
            render,
            request,
            reply,
            new AppError('route_not_found', `There is no ${request.method} ${request.url.split('?')[0]} here.`),
          ),
        );
      }
      await routes(scope);
    },
    { prefix },
  );
}
