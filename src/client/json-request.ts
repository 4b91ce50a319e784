import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// One HTTP exchange of the client with the API, over node:http and a keep-alive agent of its own.
// Not `fetch`: its WHATWG Request/Response and web streams cost far more CPU per call than the
// exchange itself, which a worker making many small calls pays on every job, and loading undici on
// the first call costs a short-lived CLI process more than its one request.

/** The call got no answer: the server could not be reached, or the connection broke (the cause says how). */
export class ConnectionError extends Error {
  constructor(cause: Error) {
    super(`cannot reach the server (${cause.message})`, { cause });
    this.name = 'ConnectionError';
  }
}

export interface JsonAnswer {
  status: number;
  /** The body as text ('' when there is none). */
  text: string;
}

/** The connections of one client: kept open between calls, so a busy worker reuses a few sockets. */
export class Connections {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly target: { protocol: string; hostname: string; port: string; prefix: string };

  /** `base` is the server's URL, e.g. http://localhost:3000 (a path in it prefixes every call's). */
  constructor(base: string) {
    const url = new URL(base);
    const secure = url.protocol === 'https:';
    this.target = {
      protocol: url.protocol,
      // An IPv6 literal comes bracketed in a URL, bare in a host name.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      prefix: url.pathname.replace(/\/+$/, ''),
    };
    // Idle sockets are unreferenced by the agent, so they do not keep a finished process alive.
    this.agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.send = secure ? httpsRequest : httpRequest;
  }

  request(
    method: string,
    path: string,
    headers: Record<string, string | number>,
    body: string | Buffer | undefined,
    signal?: AbortSignal,
  ): Promise<JsonAnswer> {
    return this.exchange(method, path, headers, body, signal, true);
  }

  private exchange(
    method: string,
    path: string,
    headers: Record<string, string | number>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
    mayRetry: boolean,
  ): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const { protocol, hostname, port, prefix } = this.target;
      const req = this.send(
        {
          protocol,
          hostname,
          ...(port !== '' ? { port } : {}),
          path: prefix + path,
          method,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
          ...(signal !== undefined ? { signal } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(signal?.aborted === true ? error : new ConnectionError(error)));
          res.on('end', () => {
            const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // An abort stays an AbortError, as the caller asked for it.
        if (signal?.aborted === true) return reject(error);
        // A kept-alive socket the server closed just as this call was sent: the server never read the
        // call, so sending it once more on a new socket is safe (the race node:http documents).
        if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET') {
          return resolve(this.exchange(method, path, headers, body, signal, false));
        }
        reject(new ConnectionError(error));
      });
      req.end(body);
    });
  }
}
