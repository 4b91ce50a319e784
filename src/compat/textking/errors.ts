import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { toAppError } from '../../http/plugins/problems.js';
import { formatOf, sendTextKing } from './representation.js';

// TextKing documents status codes only (400 an invalid UUID or input, 403 the project's state forbids
// the change, 404 unknown, 406 an unsupported document type); its error body is not documented. Jobline
// answers `{status, message}` (`<error><status/><message/></error>` in XML), in the format the client
// accepts, under the whole prefix: auth failures, unknown routes and methods included.

function vendorStatus(error: AppError): number {
  switch (error.code) {
    case 'gone':
    case 'method_not_allowed':
    case 'route_not_found':
      return 404;
    case 'project_state_conflict': // "only if project prepared, else 403"
    case 'job_state_conflict':
      return 403;
    case 'unsupported_media_type':
    case 'not_acceptable':
      return 406;
    case 'validation_failed':
    case 'idempotency_key_reused':
    case 'version_conflict':
    case 'idempotency_request_in_progress':
    case 'precondition_failed':
      return 400;
    default:
      return error.status;
  }
}

export function sendTextKingError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const status = vendorStatus(error);
  const message =
    status >= 500 ? `An internal error occurred; quote request id ${request.id} when reporting it.` : error.message;
  return sendTextKing(request, reply.code(status), { status, message }, { root: 'error' }, formatOf(request, 'json'));
}

/** An encapsulated scope under `prefix` whose every error is TextKing's; unknown routes are its 404. */
export async function textkingScope(
  app: FastifyInstance,
  prefix: string,
  routes: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        const appError = toAppError(error);
        if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
        return sendTextKingError(request, reply, appError);
      });
      scope.setNotFoundHandler((request, reply) =>
        sendTextKingError(
          request,
          reply,
          new AppError('route_not_found', `There is no ${request.method} ${request.url.split('?')[0]} here.`),
        ),
      );
      await routes(scope);
    },
    { prefix },
  );
}
