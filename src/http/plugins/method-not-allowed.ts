import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { sendProblem } from './problems.js';

/**
 * Fastify answers a known path with an unknown method as 404; HTTP says 405 with an `Allow` header
 * (RFC 9110 §15.5.6). Routes are collected as they are added; `finish()` adds, for each path, an
 * OPTIONS route that lists the methods (RFC 9110 §9.3.7) and a 405 route for every other method the
 * server knows. Call it after every route is registered.
 */
export function collectRoutes(app: FastifyInstance): { finish: () => void } {
  const byPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    if (route.config?.methodNotAllowed === true) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = byPath.get(route.url) ?? new Set<string>();
    for (const m of methods) set.add(m);
    byPath.set(route.url, set);
  });
  return {
    finish: () => {
      for (const [url, methods] of byPath) {
        const allowed = [...new Set([...methods, 'OPTIONS'])].sort();
        const allow = allowed.join(', ');
        if (!methods.has('OPTIONS')) {
          app.route({
            method: 'OPTIONS',
            url,
            config: { methodNotAllowed: true, negotiate: false },
            schema: { hide: true },
            handler: async (_request, reply) => reply.header('allow', allow).code(204).send(),
          });
        }
        const missing = app.supportedMethods.filter((m) => !allowed.includes(m));
        if (missing.length === 0) continue;
        app.route({
          method: missing,
          url,
          config: { methodNotAllowed: true },
          schema: { hide: true },
          handler: (request, reply) => {
            reply.header('allow', allow);
            return sendProblem(
              request,
              reply,
              new AppError('method_not_allowed', `${request.method} is not supported here; use ${allow}.`, {
                extra: { allow: allowed },
              }),
            );
          },
        });
      }
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    methodNotAllowed?: boolean;
  }
}
