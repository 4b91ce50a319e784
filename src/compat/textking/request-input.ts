import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import type { Project } from '../../core/project.js';
import { TEXTKING_PROJECT_STATES } from './states.js';

// What every TextKing route reads from a request: ids, paging, the body, and the project-state rule.

export const badInput = (message: string) => new AppError('bad_request', message);

/** "400 Bad Request: Either the job ID or the project ID is not a valid UUID." */
export function uuidOf(value: string): string {
  if (!isUuid(value)) throw new AppError('invalid_id', 'Either the job ID or the project ID is not a valid UUID.');
  return value.toLowerCase();
}

/** Changes are allowed only while the project is prepared (the wiki's 403 otherwise). */
export function requirePrepared(project: Project, what: string): void {
  const state = project.state ?? 'prepared';
  if (state !== 'prepared') {
    throw new AppError(
      'project_state_conflict',
      `The project is ${TEXTKING_PROJECT_STATES[state]}; ${what} only while it is prepared.`,
      { extra: { project_state: state } },
    );
  }
}

/** `page` from 1 and `per_page` 1–100 (default 100), as every TextKing list takes them. */
export function pageOf(request: FastifyRequest): { page: number; perPage: number } {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max)) throw badInput(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
  return { page: number('page', 1, 1, 1_000_000), perPage: number('per_page', 100, 1, 100) };
}

/** A JSON or XML request body as an object (an XML body's root element's children). */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badInput('The request body must be an object.');
  return body as Record<string, unknown>;
}
