import type { FieldError } from './errors.js';

// What both databases can store of a JSON value: request bodies are checked with it, and so are the
// outputs handlers return, so a job can never fail to be written after its work was done.

/** Deeper JSON gains a client nothing and would overflow the stack of JSON.stringify in the store. */
export const MAX_JSON_DEPTH = 64;

// A lone UTF-16 surrogate: valid in a JSON escape ("\ud800") but not Unicode text; PostgreSQL
// refuses it in jsonb and it cannot be written as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why no database can store this text (NUL, unpaired surrogates), or undefined when both can. */
export function badText(s: string): string | undefined {
  // PostgreSQL text and jsonb cannot hold NUL; both databases must accept the same bodies.
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

const escapePointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Finds the first thing in a parsed JSON body that no database could store: nesting beyond
 * MAX_JSON_DEPTH, or a string or key with NUL or an unpaired surrogate. Returns it as a
 * validation error located by a JSON Pointer, or undefined when the body is storable.
 */
export function unstorableJson(value: unknown, pointer = '#', depth = 0): FieldError | undefined {
  const path: string[] = [];
  const detail = firstUnstorable(value, depth, path);
  if (detail === undefined) return undefined;
  let at = pointer;
  for (let i = path.length - 1; i >= 0; i--) at += `/${path[i]}`;
  return { pointer: at, detail };
}

// Every request body is walked, so the walk builds no pointer on the way down: the path to what it
// found is collected on the way back up, innermost segment first.
function firstUnstorable(value: unknown, depth: number, path: string[]): string | undefined {
  if (typeof value === 'string') return badText(value);
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnstorable(value[i], depth + 1, path);
      if (found !== undefined) {
        path.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const keyDetail = badText(key);
    if (keyDetail !== undefined) {
      path.push(escapePointer(key));
      return `has a key that ${keyDetail}`;
    }
    const found = firstUnstorable(record[key], depth + 1, path);
    if (found !== undefined) {
      path.push(escapePointer(key));
      return found;
    }
  }
  return undefined;
}
