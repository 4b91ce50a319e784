import type { Principal, Scope } from '../core/auth.js';
import type { Representation } from './negotiation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on routes that declare a scope. */
    principal: Principal | undefined;
    /** Chosen by the representation hook from Accept, `fields` and `pretty`. */
    representation: Representation;
  }
  interface FastifyContextConfig {
    /** The scope a caller needs; routes without one are public. */
    scope?: Scope;
    /** Root element name when the response is rendered as XML. */
    xmlRoot?: string;
    /** A provider's token may call this route (it has no scopes; the service limits it to its own jobs). */
    provider?: boolean;
    /** Authorization schemes this route accepts besides Bearer, for the same token (a compatible API's own). */
    authSchemes?: readonly string[];
  }
}

export {};
