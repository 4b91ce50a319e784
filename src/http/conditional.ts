import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches anything,
 * and the header may list several tags.
 */
export function noneMatch(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  const wanted = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === wanted;
  });
}

/** A weak validator from a resource's version: equal versions are equivalent representations. */
export function versionTag(version: number): string {
  return `W/"${version}"`;
}

/** Sets the ETag; answers 304 (no body, RFC 9110 §15.4.5) when the client already has it. */
export function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag);
  reply.header('cache-control', 'no-cache');
  if (!noneMatch(request, etag)) return false;
  reply.code(304);
  return true;
}
