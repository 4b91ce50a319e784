import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Services } from '../../services/context.js';
import { authorize } from './auth.js';
import type { ObserveResponse } from './metrics.js';
import { chooseRepresentation } from './representation.js';
import type { RateLimit } from './rate-limit.js';

/**
 * What runs around every request, as one hook each way instead of one per concern: an async hook costs
 * a promise and a microtask per request even when it has nothing to wait for, and on the common path
 * (a cached token) none of these steps does. In order: the request-id header, the representation
 * (406), auth (401/403, the only step that may wait, for the database), the rate limit (429); as the
 * response ends, the rate-limit refund of a 304, then the metrics.
 */
export function installRequestHooks(
  app: FastifyInstance,
  services: Services,
  steps: { rateLimit: RateLimit | undefined; observe: ObserveResponse },
): void {
  const { rateLimit, observe } = steps;

  // Requests whose hook is done wait here for the event loop's check phase, then their routes run
  // one after another in a single callback. The loop thus reads and parses every request that is
  // ready first; the routes' synchronous parts (on SQLite, the database read) then run back to back,
  // and the rest of each route (representation, serialization, the socket write) follows in the
  // microtasks after them: each kind of work in one stretch keeps the CPU's caches warm, and the
  // answers leave in one burst. Under load this costs clearly less CPU per request than handling
  // each request inline or deferring each one alone (docs/benchmarks.md, findings). An idle server
  // waits one loop turn.
  let ready: HookHandlerDoneFunction[] = [];
  const runReady = (): void => {
    const batch = ready;
    ready = [];
    for (const done of batch) {
      try {
        done();
      } catch (error) {
        // As if each had its own callback: a throw fails loudly but does not strand the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    let waiting: void | Promise<void>;
    try {
      reply.header('request-id', request.id);
      // Read once: Fastify builds the route's options object anew on every read of routeOptions.
      const config = request.routeOptions.config;
      chooseRepresentation(request, reply, config);
      waiting = authorize(services, request, config);
      if (waiting === undefined) rateLimit?.count(request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (waiting === undefined) {
      if (ready.push(done) === 1) setImmediate(runReady);
      return;
    }
    // A request whose token was read joins the routes of the next check phase too, with the others
    // whose reads ended in the same poll phase, so their routes' reads can go out together.
    waiting.then(
      () => {
        try {
          rateLimit?.count(request, reply);
        } catch (error) {
          done(error as Error);
          return;
        }
        if (ready.push(done) === 1) setImmediate(runReady);
      },
      (error: unknown) => done(error as Error),
    );
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    rateLimit?.refund(request, reply);
    observe(request, reply);
    done();
  });
}
