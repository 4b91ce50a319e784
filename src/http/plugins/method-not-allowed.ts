import type { FastifyInstance, HTTPMethods } from 'fastify';
import { AppError } from '../../core/errors.js';
import { sendProblem } from './problems.js';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Fastify answers a known path with an unknown method as 404; HTTP says 405 with an `Allow` header
 * (RFC 9110 §15.5.6). Routes are collected as they are added; `finish()` adds a 405 route for the
 * methods each path lacks. Call it after every route is registered.
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
        const missing = METHODS.filter((m) => !methods.has(m));
        if (missing.length === 0) continue;
        const allow = [...methods].sort().join(', ');
        app.route({
          method: missing,
          url,
          config: { methodNotAllowed: true },
          schema: { hide: true },
          handler: (request, reply) => {
            reply.header('allow', allow);
            return sendProblem(request, reply, new AppError('method_not_allowed', `${request.method} is not supported here; use ${allow}.`, { extra: { allow: [...methods].sort() } }));
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
