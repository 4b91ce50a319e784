import type { AppError } from '../../core/errors.js';
import type { VendorErrorRenderer } from '../vendor-scope.js';

// Asana's error body: `{errors: [{message, help, phrase?}]}`, `phrase` on 500s only ("6 sad squid
// snuggle softly"). Messages follow Asana's style, `<field>: <problem>`, where Jobline's detail fits.
export const ASANA_HELP =
  'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors';

/** Jobline statuses Asana does not use, as the status Asana documents for the same case. */
function vendorStatus(error: AppError): number {
  switch (error.code) {
    case 'gone': // a job removed by retention is an unknown object
    case 'method_not_allowed':
      return 404;
    case 'validation_failed':
    case 'idempotency_key_reused':
    case 'job_state_conflict':
    case 'version_conflict':
    case 'idempotency_request_in_progress':
    case 'precondition_failed':
    case 'payload_too_large':
    case 'unsupported_media_type':
    case 'not_acceptable':
      return 400;
    default:
      return error.status;
  }
}

const NUMBERS = ['2', '3', '4', '5', '6', '7', '8', '9'];
const ADJECTIVES = ['sad', 'tired', 'grumpy', 'sleepy', 'dizzy', 'shy', 'lost', 'quiet'];
const NOUNS = ['squid', 'otters', 'pandas', 'lemurs', 'herons', 'moles', 'geese', 'crabs'];
const VERBS = ['snuggle', 'wander', 'mumble', 'tumble', 'ponder', 'shuffle', 'nap', 'sigh'];
const ADVERBS = ['softly', 'slowly', 'quietly', 'gently', 'sadly', 'oddly', 'calmly', 'wearily'];

/** A memorable phrase derived from the request id, which Asana asks users to quote when reporting a 500. */
export function errorPhrase(requestId: string): string {
  const hex = requestId.replaceAll('-', '');
  const pick = (words: string[], at: number) => words[parseInt(hex.slice(at, at + 2) || '0', 16) % words.length]!;
  return `${pick(NUMBERS, 0)} ${pick(ADJECTIVES, 2)} ${pick(NOUNS, 4)} ${pick(VERBS, 6)} ${pick(ADVERBS, 8)}`;
}

export const asanaErrors: VendorErrorRenderer = (error, request) => {
  const status = vendorStatus(error);
  if (status >= 500)
    return {
      status,
      body: { errors: [{ message: 'Server Error', phrase: errorPhrase(request.id), help: ASANA_HELP }] },
    };
  const message =
    status === 401
      ? 'Not Authorized'
      : status === 429
        ? "You've made too many requests and hit a rate limit. Please retry after the given amount of time."
        : error.message;
  return { status, body: { errors: [{ message, help: ASANA_HELP }] } };
};
