import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { AppError } from '../../core/errors.js';
import { problemBody } from './problems.js';

/**
 * Requests Node cannot even parse (a bad request line, headers over the size limit, a client too slow
 * to send them) never reach Fastify's hooks; Fastify answers them with its own JSON. This answers
 * them as problem details like every other error. They are all 400 `bad_request`: the error catalog
 * has no code for 408 or 431, and HTTP allows 400 for both.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const detail =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request headers are larger than the server accepts.'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'The request was not received in time.'
        : 'The request is not valid HTTP.';
  const id = randomUUID();
  const body = JSON.stringify(problemBody(new AppError('bad_request', detail), id));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRequest-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
