import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';

// Asana's request conventions: `{data: …}` bodies, opaque gids, and its error messages.

export const badInput = (message: string) => new AppError('bad_request', message);

/** Asana gids are opaque strings; Jobline's are UUIDs, and anything else is "Not a recognized ID". */
export function gidOf(name: string, value: string): string {
  if (!isUuid(value)) throw badInput(`${name}: Not a recognized ID: ${value}`);
  return value.toLowerCase();
}

export function unknownObject(gid: string): AppError {
  return new AppError('not_found', `Unknown object: ${gid}`);
}

/** The `data` member of an Asana request body, which must be an object. */
export function dataOf(body: unknown): Record<string, unknown> {
  const data = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).data : undefined;
  if (data === undefined || data === null) throw badInput('data: Missing input');
  if (typeof data !== 'object' || Array.isArray(data)) throw badInput('data: Value is not an object');
  return data as Record<string, unknown>;
}

/** An optional `name`: a string of 1 to 200 characters. */
export function nameOf(data: Record<string, unknown>, required: boolean): string | undefined {
  if (data.name === undefined || data.name === null || data.name === '') {
    if (required) throw badInput('name: Missing input');
    return undefined;
  }
  if (typeof data.name !== 'string' || data.name.length > 200)
    throw badInput('name: Value is not a string of at most 200 characters');
  return data.name;
}
