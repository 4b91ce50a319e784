import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, JoblineClient } from '../../src/index.js';

// The client keeps its connections to the server open between calls. These run it against a raw TCP
// server, so the test decides exactly when a kept-alive socket closes.

const servers: Server[] = [];
const open = new Set<Socket>();
afterEach(async () => {
  for (const socket of open) socket.destroy();
  open.clear();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server answering `{"n":<call number>}` with keep-alive; `onCall` may destroy the socket instead. */
async function rawServer(onCall: (n: number, socket: Socket) => boolean): Promise<{ url: string; sockets: number }> {
  const state = { url: '', sockets: 0 };
  let calls = 0;
  const server = createServer((socket) => {
    state.sockets++;
    open.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        const n = ++calls;
        if (!onCall(n, socket)) return;
        const body = JSON.stringify({ n });
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
        );
      }
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  state.url = `http://127.0.0.1:${address.port}`;
  return state;
}

describe('the client’s kept-alive connections', () => {
  it('reuses one socket for calls in turn', async () => {
    const server = await rawServer(() => true);
    const client = new JoblineClient(server.url, 'token');
    expect(await client.request('GET', '/v1/jobs')).toEqual({ n: 1 });
    expect(await client.request('GET', '/v1/jobs')).toEqual({ n: 2 });
    expect(await client.request('GET', '/v1/jobs')).toEqual({ n: 3 });
    expect(server.sockets).toBe(1);
  });

  it('sends a call again on a new socket when the server closed the kept-alive one under it', async () => {
    // The second call arrives on the socket of the first, which the server resets without answering.
    const server = await rawServer((n, socket) => {
      if (n !== 2) return true;
      socket.resetAndDestroy();
      return false;
    });
    const client = new JoblineClient(server.url, 'token');
    expect(await client.request('GET', '/v1/jobs')).toEqual({ n: 1 });
    expect(await client.request('POST', '/v1/worker/claims', { types: ['a'] })).toEqual({ n: 3 });
    expect(server.sockets).toBe(2);
  });

  it('gives up with a ConnectionError when a fresh socket breaks too', async () => {
    const server = await rawServer((_, socket) => {
      socket.resetAndDestroy();
      return false;
    });
    const client = new JoblineClient(server.url, 'token');
    const error = await client.request('GET', '/v1/jobs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/cannot reach the server/);
  });

  it('gives up with a ConnectionError when nothing listens', async () => {
    const server = await rawServer(() => true);
    const url = server.url;
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    const error = await new JoblineClient(url, 'token').request('GET', '/v1/jobs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
  });
});
