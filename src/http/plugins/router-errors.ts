import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { sendProblem } from './problems.js';
import { chooseRepresentation } from './representation.js';

// The router rejects a path parameter it cannot decode (`%E0%A4%A`) or that is longer than
// maxParamLength before any hook runs. Ids are always the segment after a collection
// (/v1/<collection>/<id>/…), so a bad segment there is a malformed id; one further along (a file
// name) is a plain bad request.
const ID_SEGMENT = 3;

function badSegment(url: string, maxLength: number): number {
  const segments = url.split('?')[0]!.split('/');
  return segments.findIndex((s) => {
    if (s.length > maxLength) return true;
    try {
      decodeURIComponent(s);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Fastify's `frameworkErrors`: router errors leave as problem details, in the representation asked
 * for, unless `sendElsewhere` sends them in another shape (a compatible API's) and says so.
 */
export function routerErrorHandler(
  maxParamLength: number,
  sendElsewhere: (request: FastifyRequest, reply: FastifyReply, error: AppError) => boolean = () => false,
) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('request-id', request.id);
    try {
      chooseRepresentation(request, reply, request.routeOptions.config);
    } catch {
      // An unacceptable Accept: the problem goes out as JSON, as the representation hook does.
    }
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const isId = badSegment(request.url, maxParamLength) === ID_SEGMENT;
    const what = isId ? 'The id in the path' : 'A path segment';
    const detail = `${what} is ${tooLong ? `longer than ${maxParamLength} characters` : 'not valid percent-encoded UTF-8'}${isId ? '; ids are UUIDs' : ''}.`;
    const appError = new AppError(isId ? 'invalid_id' : 'bad_request', detail, {
      errors: [{ pointer: isId ? '#/params/id' : '#/params', detail }],
    });
    if (!sendElsewhere(request, reply, appError)) void sendProblem(request, reply, appError);
  };
}
