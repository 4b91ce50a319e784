import http from 'node:http';

// A Server-Sent Events client as small as the format: it parses `id`, `event` and `data` lines over a
// real HTTP connection and can be cut at any moment, like a browser's EventSource losing its network.

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  comments: string[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Resolves once `n` events have arrived (rejects if the stream ends first). */
  waitFor(n: number): Promise<SseEvent[]>;
  /** Cuts the connection (no clean end). */
  cut(): void;
}

export function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters: { n: number; resolve: (e: SseEvent[]) => void; reject: (e: Error) => void }[] = [];
      let buffer = '';
      let current: { id?: string; event?: string; data: string[] } = { data: [] };
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const notify = () => {
        for (const w of [...waiters]) {
          if (events.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(events.slice(0, w.n));
          }
        }
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (current.data.length > 0)
              events.push({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') });
            current = { data: [] };
            continue;
          }
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') current.id = value;
          else if (field === 'event') current.event = value;
          else if (field === 'data') current.data.push(value);
        }
        notify();
      });
      const finish = () => {
        endedResolve();
        for (const w of waiters.splice(0))
          w.reject(new Error(`stream ended after ${events.length} events, ${w.n} expected`));
      };
      response.on('end', finish);
      response.on('close', finish);
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        ended,
        waitFor: (n) =>
          new Promise((res, rej) => {
            waiters.push({ n, resolve: res, reject: rej });
            notify();
          }),
        cut: () => request.destroy(),
      });
    });
    request.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}
