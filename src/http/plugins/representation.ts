import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { unknownFields } from '../field-paths.js';
import { applyFields, negotiateFormat, toXml, wantsEventStream } from '../negotiation.js';

const PROBLEM_NS = { xmlns: 'urn:ietf:rfc:7807' };

/**
 * Chooses each response's representation before the handler runs (the request hook in
 * request-hooks.ts calls chooseRepresentation). The common case (JSON, all fields,
 * compact) keeps Fastify's schema-compiled serializer; XML, `fields` and `pretty` switch the reply to
 * a serializer that shapes the payload first. Errors go through the same path, so a client that asked
 * for XML gets its problem details in XML too.
 */
export function installRepresentation(app: FastifyInstance): void {
  app.decorateRequest('representation', undefined as never);
  app.decorateRequest('eventStream', false);
}

/**
 * Sets request.representation and, when needed, the shaping serializer; throws 406 (itself rendered as
 * JSON). `config` is the route's (`request.routeOptions.config`, which Fastify builds anew on each read).
 */
export function chooseRepresentation(request: FastifyRequest, reply: FastifyReply, config: FastifyContextConfig): void {
  if (config.negotiate === false) {
    request.representation = { format: 'json', pretty: false, fields: undefined };
    return;
  }
  // The body depends on Accept; a cache must not hand an XML response to a JSON client.
  reply.header('vary', 'accept');
  // Requests the router rejected before parsing (see frameworkErrors in app.ts) have no query object.
  const query = (request.query ?? {}) as Record<string, unknown>;
  const fields =
    typeof query.fields === 'string' && query.fields !== ''
      ? query.fields.split(',').filter((f) => f !== '')
      : undefined;
  const pretty = query.pretty === 'true' || query.pretty === '1';
  const unknown = fields === undefined ? [] : unknownFields(request, fields);
  if (unknown.length > 0) {
    request.representation = { format: 'json', pretty, fields: undefined };
    throw new AppError(
      'invalid_query',
      `fields: ${unknown.map((f) => JSON.stringify(f)).join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of this resource.`,
      {
        errors: unknown.map((f) => ({
          pointer: '#/query/fields',
          detail: `${JSON.stringify(f)} is not a field of this resource`,
        })),
      },
    );
  }
  // Decide the default first so that a 406 below is itself rendered.
  request.representation = { format: 'json', pretty, fields };
  if (config.eventStream === true && wantsEventStream(request.headers.accept)) {
    // Errors before the stream starts (401, 404…) are still answered as problem+json.
    request.eventStream = true;
    return;
  }
  request.representation = { format: negotiateFormat(request.headers.accept), pretty, fields };
  if (request.representation.format === 'xml' || pretty || fields !== undefined) {
    reply.serializer((payload: unknown) => serialize(request, reply, payload));
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false for routes that serve their own media type (Prometheus text, the HTML reference): they
     * ignore Accept, `fields` and `pretty` instead of answering 406 to `Accept: text/html`.
     */
    negotiate?: boolean;
    /** The route can also answer as Server-Sent Events, chosen by `Accept: text/event-stream`. */
    eventStream?: boolean;
  }
  interface FastifyRequest {
    /** The client asked this route for Server-Sent Events. */
    eventStream: boolean;
  }
}

function serialize(request: FastifyRequest, reply: FastifyReply, payload: unknown): string {
  const { format, pretty, fields } = request.representation;
  const contentType = String(reply.getHeader('content-type') ?? '');
  const isProblem = contentType.startsWith('application/problem');
  const data = fields !== undefined && !isProblem ? applyFields(payload, fields) : payload;
  if (format === 'xml') {
    reply.header(
      'content-type',
      isProblem ? 'application/problem+xml; charset=utf-8' : 'application/xml; charset=utf-8',
    );
    return isProblem
      ? toXml('problem', data, pretty, PROBLEM_NS)
      : toXml(request.routeOptions.config.xmlRoot ?? 'response', data, pretty);
  }
  if (contentType === '') reply.header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify(data, null, pretty ? 2 : undefined);
}
