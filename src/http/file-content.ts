import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services/context.js';
import type { FileInfo } from '../services/files.js';
import { noneMatch } from './conditional.js';

/** The media type an uploaded body declares, without parameters; bytes of no declared type are octet-stream. */
export function uploadedType(header: string | undefined): string {
  return (header ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
}

/** A single byte range (RFC 9110 §14.1.2); several ranges are answered with the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start > end && m[2] !== '') return undefined; // invalid, so ignored (§14.2)
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Streams a stored file with its ETag (its SHA-256), honouring If-None-Match and Range. */
export function sendFileContent(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  file: FileInfo,
  disposition = `attachment; filename="${file.name}"`,
): FastifyReply {
  const etag = `"${file.sha256}"`;
  reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'private, no-cache');
  reply.header('content-disposition', disposition);
  if (noneMatch(request, etag)) return reply.code(304).send();
  reply.type(file.contentType);
  // If-Range: only send part of the file if the client's copy is still this one.
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, file.size) : undefined;
  if (range === 'unsatisfiable') {
    return reply
      .code(416)
      .header('content-range', `bytes */${file.size}`)
      .type('application/problem+json')
      .send({
        type: 'https://jobline.dev/problems/range-not-satisfiable',
        title: 'Range Not Satisfiable',
        status: 416,
        code: 'range_not_satisfiable',
        detail: `The file has ${file.size} bytes.`,
        instance: `urn:request:${request.id}`,
      });
  }
  if (range === undefined) {
    reply.header('content-length', String(file.size));
    return reply.send(services.files.read(file.id));
  }
  reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
    .header('content-length', String(range.end - range.start + 1));
  return reply.send(services.files.read(file.id, range));
}
