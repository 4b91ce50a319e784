import type { FastifyReply, FastifyRequest } from 'fastify';

// Server-Sent Events (WHATWG HTML §9.2): `id`, `event` and `data` lines, a blank line after each
// event. The reply is taken over from Fastify (headers set by earlier hooks, such as the rate-limit
// ones, are kept); the stream ends when the client goes away, when the caller ends it, or when the
// server shuts down.

/** Proxies drop connections that stay silent; a comment line this often keeps them open. */
export const KEEP_ALIVE_MS = 15_000;
/** How long a client's EventSource waits before reconnecting after a cut. */
const RETRY_MS = 3_000;

export interface EventStream {
  send(event: { id: string; event: string; data: unknown }): void;
  /** Sends an event already rendered by eventFrame (one rendering for many subscribers). */
  sendFrame(frame: string | Buffer): void;
  end(): void;
  /** Resolves when the stream ended, whoever ended it. */
  readonly closed: Promise<void>;
}

/** A server's open streams, so that closing the server ends them (clients reconnect elsewhere). */
export type OpenStreams = Set<EventStream>;

/** One event as it goes on the wire. */
export function eventFrame({ id, event, data }: { id: string; event: string; data: unknown }): string {
  // JSON.stringify never emits a raw line break, so one `data:` line carries the whole payload.
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function startEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  open: OpenStreams,
  keepAliveMs = KEEP_ALIVE_MS,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  // The stream lasts as long as the connection, so its body needs no chunk framing: the bytes of an
  // event go out as they are, and one rendering (a Buffer) serves every subscriber of a job.
  raw.useChunkedEncodingByDefault = false;
  raw.shouldKeepAlive = false;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // nginx buffers responses unless told not to; a buffered event stream is no stream.
    'x-accel-buffering': 'no',
    connection: 'close',
  });
  raw.write(`retry: ${RETRY_MS}\n\n`);
  let ended = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  keepAlive.unref();
  const finish = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    open.delete(stream);
    resolveClosed();
  };
  const stream: EventStream = {
    send: (e) => {
      if (!ended) raw.write(eventFrame(e));
    },
    sendFrame: (frame) => {
      if (!ended) raw.write(frame);
    },
    end: () => {
      if (ended) return;
      finish();
      raw.end();
    },
    closed,
  };
  open.add(stream);
  raw.on('close', finish);
  raw.on('error', finish);
  return stream;
}
