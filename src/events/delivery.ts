import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress, PrivateAddressError, publicOnlyLookup } from '../services/ssrf.js';

// One HTTP attempt of a webhook delivery. node:http rather than fetch: it lets the connection's DNS
// lookup refuse private addresses (fetch has no such hook), it never follows redirects (a 3xx is
// the receiver's answer, and following it could lead to an internal address), and its keep-alive
// agents reuse connections to a receiver across deliveries.

/** Bytes of the receiver's answer kept for the attempt log. */
export const RESPONSE_BODY_LIMIT = 1024;
/** Beyond this the rest of an answer is not even read: the connection is dropped. */
const DRAIN_LIMIT = 64 * 1024;

export interface PostResult {
  statusCode: number | null;
  /** At most 1 KiB, as text. */
  body: string | null;
  retryAfter: string | undefined;
  error: string | null;
  durationMs: number;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  agents: { http: http.Agent; https: https.Agent };
}

export function keepAliveAgents(maxSockets: number): PostOptions['agents'] {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
}

export function postWebhook(
  target: string,
  headers: Record<string, string>,
  payload: string,
  o: PostOptions,
): Promise<PostResult> {
  const started = performance.now();
  const done = (r: Omit<PostResult, 'durationMs'>): PostResult => ({
    ...r,
    durationMs: Math.round(performance.now() - started),
  });
  const failure = (error: string) => done({ statusCode: null, body: null, retryAfter: undefined, error });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(failure('invalid URL'));
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup, so the lookup's check would never run.
  if (!o.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host))
    return Promise.resolve(failure(new PrivateAddressError(host, host).message));
  const secure = url.protocol === 'https:';
  const body = Buffer.from(payload);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const request = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: secure ? o.agents.https : o.agents.http,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'Jobline-Webhooks/1',
          ...headers,
        },
        ...(o.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (kept < RESPONSE_BODY_LIMIT) {
            const part = chunk.subarray(0, RESPONSE_BODY_LIMIT - kept);
            chunks.push(part);
            kept += part.length;
          }
          if (read > DRAIN_LIMIT) response.destroy();
        });
        const end = () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const retryAfter = response.headers['retry-after'];
          const redirect =
            status >= 300 && status < 400
              ? `redirects are not followed (${status}${response.headers.location !== undefined ? ` to ${response.headers.location}` : ''})`
              : null;
          finish(
            done({
              statusCode: status,
              body: text === '' ? null : text,
              retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
              error: redirect,
            }),
          );
        };
        response.on('end', end);
        response.on('close', end);
        response.on('error', () => undefined);
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${o.timeoutMs / 1000} s`));
    }, o.timeoutMs);
    request.on('error', (error: Error & { code?: string }) =>
      finish(failure(error.message || error.code || 'request failed')),
    );
    request.end(body);
  });
}
