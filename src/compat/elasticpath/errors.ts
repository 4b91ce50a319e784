import type { AppError } from '../../core/errors.js';
import type { VendorErrorRenderer } from '../vendor-scope.js';

// JSON:API error objects as the PIM specification declares them: `{errors: [{status, title, detail?,
// request_id?}]}` with `status` as a string (the platform-wide guide shows numbers; the PIM spec, which
// covers /pcm, says string).
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unable to validate access token',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Failed Validation',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Jobline statuses the PIM API does not use, as the status it documents for the same case. */
function vendorStatus(error: AppError): number {
  switch (error.code) {
    case 'gone': // a job removed by retention is simply not found
    case 'method_not_allowed':
      return 404;
    case 'job_state_conflict': // cancel of a finished job: a request that fails validation
    case 'idempotency_key_reused':
      return 422;
    case 'version_conflict':
    case 'idempotency_request_in_progress':
    case 'precondition_failed':
      return 400;
    default:
      return error.status;
  }
}

export function elasticPathErrors(options: { unauthorizedTitle?: string } = {}): VendorErrorRenderer {
  return (error, request) => {
    const status = vendorStatus(error);
    const title =
      status === 401 && options.unauthorizedTitle !== undefined
        ? options.unauthorizedTitle
        : (TITLES[status] ?? error.title);
    const item =
      status >= 500
        ? {
            status: String(status),
            title,
            detail: 'There was an internal server error, you can report with your request id.',
            request_id: request.id,
          }
        : { status: String(status), title, detail: error.message };
    return { status, body: { errors: [item] } };
  };
}
