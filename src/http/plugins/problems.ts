import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode, type FieldError } from '../../core/errors.js';

// Every error leaves as RFC 9457 problem details with a stable `code`. The `type` URI names the code
// under the API reference, so it is stable and documents itself.
const TYPE_BASE = 'https://jobline.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemBody(error: AppError, requestId: string): ProblemBody {
  return {
    ...error.extra,
    type: `${TYPE_BASE}${error.code.replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: `urn:request:${requestId}`,
    code: error.code,
    ...(error.errors !== undefined ? { errors: error.errors } : {}),
  };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function pointerOf(issue: ValidationIssue, prefix: string): string {
  const extra =
    issue.keyword === 'required'
      ? `/${String(issue.params.missingProperty)}`
      : issue.keyword === 'additionalProperties'
        ? `/${String(issue.params.additionalProperty)}`
        : '';
  return `#${prefix}${issue.instancePath}${extra}`;
}

function detailOf(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum' || issue.keyword === 'const') return `${issue.message ?? 'is not allowed'}`;
  return issue.message ?? 'is invalid';
}

/** Turns anything thrown while handling a request into an AppError with the right status. */
export function toAppError(
  error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string },
): AppError {
  if (error instanceof AppError) return error;
  if (error.validation !== undefined) {
    const context = error.validationContext ?? 'body';
    // Ajv reports `anyOf` failures once per branch and then once more; keep one line per pointer.
    const seen = new Set<string>();
    const errors: FieldError[] = [];
    for (const issue of error.validation) {
      const pointer = pointerOf(issue, context === 'body' ? '' : context === 'querystring' ? '/query' : `/${context}`);
      if (seen.has(pointer)) continue;
      seen.add(pointer);
      errors.push({ pointer, detail: detailOf(issue) });
    }
    const summary = errors.map((e) => `${e.pointer}: ${e.detail}`).join('; ');
    if (context === 'body') return new AppError('validation_failed', summary, { errors });
    if (context === 'params') return new AppError('invalid_id', `${summary}. Ids are UUIDs.`, { errors });
    if (context === 'querystring') return new AppError('invalid_query', summary, { errors });
    return new AppError('bad_request', summary, { errors });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(
        'malformed_json',
        'The body is empty but Content-Type says JSON; send a JSON document or no Content-Type.',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('malformed_json', `The body is not valid JSON: ${error.message}`);
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new AppError('malformed_json', `The body is not valid JSON: ${error.message}`);
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    const code =
      (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].status === error.statusCode) ?? 'bad_request';
    return new AppError(code, error.message);
  }
  return new AppError('internal', 'The server failed to handle this request; it has been logged.');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.status === 401 && !reply.hasHeader('www-authenticate'))
    reply.header('www-authenticate', 'Bearer realm="jobline"');
  return reply.code(error.status).type('application/problem+json; charset=utf-8').send(problemBody(error, request.id));
}

export function installProblems(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new AppError(
        'route_not_found',
        `There is no ${request.method} ${request.url.split('?')[0]} here; see /docs for the API reference.`,
      ),
    ),
  );
}
