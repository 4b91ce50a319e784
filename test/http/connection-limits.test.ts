import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/http/connection-limits.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { connectSse } from '../support/sse.js';

const REQUEST_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS = 3;

/** A raw connection: what the server sent, and whether (and when) it closed the connection. */
interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  isClosed(): boolean;
}

function open(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let data = '';
    let isClosed = false;
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r();
      }),
    );
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => undefined); // a reset is one way of being cut
    socket.once('connect', () => resolve({ socket, received: () => data, closed, isClosed: () => isClosed }));
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('connection limits on %s', (dialect) => {
  const skip = skipUnlessAvailable(dialect);
  const it_ = skip ? it.skip : it;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    if (skip) return;
    t = await testApp(dialect, {
      connections: {
        ...DEFAULT_CONNECTION_LIMITS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        headersTimeoutMs: REQUEST_TIMEOUT_MS,
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Sends a POST's headers, then its body a byte every 200 ms; resolves with the bytes sent once the server cut it. */
  async function trickle(token: string | undefined): Promise<{ sent: number; length: number; received: string }> {
    const body = JSON.stringify({ type: 'slow', input: { padding: 'x'.repeat(60) } });
    const c = await open(port);
    c.socket.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${token === undefined ? '' : `Authorization: Bearer ${token}\r\n`}\r\n`,
    );
    let sent = 0;
    while (sent < body.length && !c.isClosed()) {
      c.socket.write(body[sent]!);
      sent++;
      await sleep(200);
    }
    if (!c.isClosed()) c.socket.destroy();
    await c.closed;
    return { sent, length: body.length, received: c.received() };
  }

  it_(
    'cuts a request whose body arrives a byte at a time slower than the request timeout, with a token or without',
    { timeout: 60_000 },
    async () => {
      const [withToken, without] = await Promise.all([trickle(t.admin), trickle(undefined)]);
      for (const r of [withToken, without]) {
        // Cut before the body was complete (it would take far longer than the timeout), never answered as a success.
        expect(r.sent).toBeLessThan(r.length);
        expect(r.received).not.toMatch(/^HTTP\/1\.1 2/);
      }
    },
  );

  it_(
    'lets a Server-Sent Events stream and a long poll last longer than the request timeout',
    { timeout: 60_000 },
    async () => {
      const auth = { authorization: `Bearer ${t.admin}` };
      const stream = await connectSse(`http://127.0.0.1:${port}/v1/events?type=later`, auth);
      expect(stream.status).toBe(200);
      const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'later' } })).json<{
        id: string;
        version: number;
      }>();
      const polled = await fetch(`http://127.0.0.1:${port}/v1/jobs/${job.id}?wait=2`, {
        headers: { ...auth, 'if-none-match': `"${job.version}"` },
      });
      expect(polled.status).toBe(304);
      await sleep(REQUEST_TIMEOUT_MS);
      await t.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
      const events = await stream.waitFor(2);
      expect(events.map((e) => e.event)).toEqual(['job.created', 'job.cancelled']);
      stream.cut();
    },
  );

  it_(
    'closes connections beyond the cap at once, and takes new ones when one is gone',
    { timeout: 60_000 },
    async () => {
      // An app of its own, so that no connection of another test counts.
      const capped = await testApp(dialect, {
        connections: { ...DEFAULT_CONNECTION_LIMITS, maxConnections: MAX_CONNECTIONS },
      });
      try {
        await capped.app.listen({ port: 0, host: '127.0.0.1' });
        const cappedPort = (capped.app.server.address() as AddressInfo).port;
        const answered = async (c: RawConnection) => {
          c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          while (!c.received().includes('"ok"') && !c.isClosed()) await sleep(20);
          return c.received().includes('"ok"');
        };
        const held: RawConnection[] = [];
        for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await open(cappedPort));
        // Each one is answered (and kept alive), so the server holds every one of them.
        for (const c of held) expect(await answered(c)).toBe(true);
        const refused = await open(cappedPort);
        expect(await answered(refused)).toBe(false);
        expect(refused.received()).toBe('');

        held.pop()!.socket.destroy();
        await sleep(100);
        const another = await open(cappedPort);
        expect(await answered(another)).toBe(true);
        another.socket.destroy();
        for (const c of held) c.socket.destroy();
      } finally {
        await capped.close();
      }
    },
  );
});
