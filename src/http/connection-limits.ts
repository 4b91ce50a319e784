import type { Server } from 'node:http';

/**
 * How long a client may take and how many connections it may hold. Fastify turns Node's request
 * timeout off by default, so a body sent a byte at a time held its connection for ever; these bound
 * the receiving of a request, never the sending of a response: a Server-Sent Events stream or a long
 * poll (`?wait=`, at most 60 s) lasts as long as it needs once its request has arrived.
 */
export interface ConnectionLimits {
  /** The whole request, headers and body, must arrive within this (an upload of a large file too); 0 for no limit. */
  requestTimeoutMs: number;
  /** The request's headers must arrive within this; at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection on which nothing moves either way for this long is closed; 0 for no limit. */
  idleTimeoutMs: number;
  /** Connections open at once; new ones beyond it are closed at once. 0 for no cap. */
  maxConnections: number;
}

/** The longest long poll (`?wait=` in seconds, routes/jobs.ts): an idle timeout must let it finish. */
export const LONGEST_WAIT_MS = 60_000;

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 300_000,
  headersTimeoutMs: 30_000,
  // Longer than the 60 s idle timeout of common load balancers, so they, not we, close idle connections.
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 120_000,
  maxConnections: 10_000,
};

/** Fastify's server options for the limits. */
export function serverOptions(limits: ConnectionLimits) {
  const headersTimeout =
    limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs;
  const timeouts = [limits.requestTimeoutMs, headersTimeout].filter((ms) => ms > 0);
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout,
      // Node looks for late requests this often (30 s by default, longer than a short limit itself).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, ...timeouts)),
    },
  };
}

export function applyConnectionCap(server: Server, limits: ConnectionLimits): void {
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
}
