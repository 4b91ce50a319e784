// Every domain error in one catalog: a stable machine code, an HTTP status and a title that does not
// change between occurrences (RFC 9457 §3.1.3). The HTTP layer renders them once, as problem+json
// for the native API and in each vendor's own shape for the compatible APIs.
export const ERRORS = {
  bad_request: { status: 400, title: 'Bad Request' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  invalid_id: { status: 400, title: 'Malformed identifier' },
  invalid_query: { status: 400, title: 'Invalid query parameter' },
  invalid_page_token: { status: 400, title: 'Invalid page token' },
  unstorable_value: { status: 400, title: 'The request holds a value no database can store' },
  job_not_ready: { status: 400, title: 'The job is not ready for this action' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not Found' },
  route_not_found: { status: 404, title: 'Not Found' },
  method_not_allowed: { status: 405, title: 'Method Not Allowed' },
  not_acceptable: { status: 406, title: 'Not Acceptable' },
  job_state_conflict: { status: 409, title: 'The job is not in a state that allows this action' },
  project_state_conflict: { status: 409, title: 'The project is not in a state that allows this action' },
  lease_lost: { status: 409, title: 'The lease on this job is not held' },
  version_conflict: { status: 409, title: 'The resource was changed by another request' },
  already_exists: { status: 409, title: 'The resource exists already' },
  idempotency_request_in_progress: { status: 409, title: 'A request is outstanding for this Idempotency-Key' },
  gone: { status: 410, title: 'Gone' },
  precondition_failed: { status: 412, title: 'Precondition Failed' },
  payload_too_large: { status: 413, title: 'Content Too Large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  validation_failed: { status: 422, title: 'The request is not valid' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key is already used' },
  rate_limited: { status: 429, title: 'Too Many Requests' },
  internal: { status: 500, title: 'Internal Server Error' },
  unavailable: { status: 503, title: 'Service Unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One invalid value, located by a JSON Pointer (RFC 6901) as in RFC 9457's validation example. */
export interface FieldError {
  pointer: string;
  detail: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extension members added to the problem body (e.g. the job's current status). */
  readonly extra: Record<string, unknown>;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.errors = options.errors;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('not_found', `No ${what} with id ${JSON.stringify(id)} exists in this workspace.`);

export const validationFailed = (errors: FieldError[]): AppError =>
  new AppError('validation_failed', errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), { errors });

/** Text (or JSON) no database can store (NUL, unpaired surrogates, too deep), wherever in the request. */
export const unstorableValue = (found: FieldError): AppError =>
  new AppError('unstorable_value', `${found.pointer}: ${found.detail}`, { errors: [found] });
