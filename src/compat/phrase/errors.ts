import type { AppError } from '../../core/errors.js';
import type { VendorErrorRenderer } from '../vendor-scope.js';

// Phrase TMS's error body: `{errorCode, errorDescription, errorDetails: [{code, args, message}]}`
// (the documented example of Get Web Editor URL). Codes come from Phrase's "API Error Codes" table
// where it has one (AuthUnauthorized, AuthAccessDenied, InvalidArguments, JobCreateError,
// InternalError) and from the endpoint docs otherwise (JOB_NOT_READY). A route can name a more precise
// code in the error's `extra.phraseCode`.

function vendorStatus(error: AppError): number {
  // An operation Jobline does not serve names its own status (501, unserved.ts).
  if (typeof error.extra.phraseStatus === 'number') return error.extra.phraseStatus;
  switch (error.code) {
    case 'gone': // a job removed by retention is simply not found
    case 'method_not_allowed':
    case 'route_not_found':
      return 404;
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'rate_limited':
    case 'unsupported_media_type':
    case 'payload_too_large':
    case 'job_not_ready':
      return error.status;
    default:
      // Phrase documents no 409 or 422: conflicts and invalid input are 400s.
      return error.status >= 500 ? error.status : 400;
  }
}

const CODES: Record<number, string> = {
  400: 'InvalidArguments',
  401: 'AuthUnauthorized',
  403: 'AuthAccessDenied',
  404: 'ResourceNotFound',
  413: 'FileTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function codeOf(error: AppError, status: number): string {
  if (typeof error.extra.phraseCode === 'string') return error.extra.phraseCode;
  if (error.code === 'job_not_ready') return 'JOB_NOT_READY';
  return CODES[status] ?? (status >= 500 ? 'InternalError' : 'InvalidArguments');
}

export const phraseErrors: VendorErrorRenderer = (error, request) => {
  const status = vendorStatus(error);
  const errorCode = codeOf(error, status);
  const description =
    status === 401
      ? 'The provided API key is not valid'
      : status >= 500 && status !== 501
        ? `An internal error occurred; quote request id ${request.id} when reporting it.`
        : error.message;
  const args =
    typeof error.extra.phraseArgs === 'object' && error.extra.phraseArgs !== null
      ? (error.extra.phraseArgs as Record<string, unknown>)
      : {};
  // Invalid fields each get a detail naming the field; otherwise one detail repeats the error.
  const details =
    error.errors !== undefined && error.errors.length > 0
      ? error.errors.map((e) => ({
          code: errorCode,
          args: { field: e.pointer.replace(/^#\//, '').replaceAll('/', '.') },
          message: e.detail,
        }))
      : [{ code: errorCode, args, message: description }];
  return { status, body: { errorCode, errorDescription: description, errorDetails: details } };
};
