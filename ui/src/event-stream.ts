import { authHeaders, failure } from './api.js';

// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and the token must
// not go into a URL. The parser follows the SSE format (id/event/data lines, a blank line ends an event,
// ':' lines are comments); a dropped connection resumes with Last-Event-ID, so nothing is missed twice.

export interface ServerEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface FollowOptions {
  signal: AbortSignal;
  /** Resume after this event id (the stream's own ids). */
  lastEventId?: string | undefined;
  onEvent(event: ServerEvent): void;
  /** 'live' once connected, 'reconnecting' after a drop, 'ended' when the server says the stream is over (204). */
  onState?(state: 'live' | 'reconnecting' | 'ended'): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export async function followStream(path: string, o: FollowOptions): Promise<void> {
  let lastEventId = o.lastEventId;
  let delay = 500;
  while (!o.signal.aborted) {
    try {
      const res = await fetch(path, {
        headers: authHeaders({
          accept: 'text/event-stream',
          ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
        }),
        cache: 'no-store',
        signal: o.signal,
      });
      if (res.status === 204) return o.onState?.('ended');
      if (!res.ok || res.body === null) {
        const error = await failure(res);
        if (res.status === 401 || res.status === 403 || res.status === 404) throw Object.assign(error, { fatal: true });
        throw error;
      }
      o.onState?.('live');
      delay = 500;
      lastEventId = await read(res.body, lastEventId, o);
    } catch (error) {
      if (o.signal.aborted || (error as { fatal?: boolean }).fatal === true) return;
    }
    if (o.signal.aborted) return;
    o.onState?.('reconnecting');
    await sleep(delay, o.signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

/** Reads one connection to its end; returns the last event id seen. */
async function read(
  body: ReadableStream<Uint8Array>,
  lastEventId: string | undefined,
  o: FollowOptions,
): Promise<string | undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const stop = () => void reader.cancel().catch(() => undefined);
  o.signal.addEventListener('abort', stop, { once: true });
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return lastEventId;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) {
            if (id !== undefined) lastEventId = id;
            o.onEvent({ id, event: event === '' ? 'message' : event, data: data.join('\n') });
          }
          id = undefined;
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'id') id = text;
        else if (name === 'event') event = text;
        else if (name === 'data') data.push(text);
      }
    }
  } finally {
    o.signal.removeEventListener('abort', stop);
  }
}
