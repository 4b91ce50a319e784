import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../core/errors.js';

// ajv-formats accepts what RFC 3339 allows, leap seconds included ("…T23:59:60Z"), but Date.parse
// cannot read those and the handlers would store NaN: a date-time must also be a time JavaScript
// can represent.
// Two validators: JSON bodies are checked as sent (a string is not silently turned into a number),
// while query strings and path parameters, which are always text, are coerced to their schema types
// and repeated query parameters become arrays.
function ajv(options: Options): Ajv.default {
  const instance = new Ajv.default({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats.default(instance, ['date-time', 'uuid', 'uri', 'email']);
  const rfc3339 = instance.formats['date-time'] as { validate: (s: string) => boolean };
  instance.addFormat('date-time', { type: 'string', validate: (s: string) => rfc3339.validate(s) && Number.isFinite(Date.parse(s)) });
  // UUIDs are case-insensitive on input (RFC 9562 §4) but stored lowercase: PostgreSQL's uuid type
  // would match an uppercase id and SQLite's text would not. `x-lowercase` rewrites the value in place.
  instance.addKeyword({
    keyword: 'x-lowercase',
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    compile: (enabled: boolean) => (data: string, context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }) => {
      if (enabled && context?.parentData !== undefined) context.parentData[context.parentDataProperty] = data.toLowerCase();
      return true;
    },
  });
  return instance;
}

export function validatorCompiler(schemas: object[]): FastifySchemaCompiler<unknown> {
  const strict = ajv({ coerceTypes: false });
  const coercing = ajv({ coerceTypes: 'array' });
  for (const schema of schemas) {
    strict.addSchema(schema);
    coercing.addSchema(schema);
  }
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}

/** Deeper JSON gains a client nothing and would overflow the stack of JSON.stringify in the store. */
export const MAX_JSON_DEPTH = 64;

// A lone UTF-16 surrogate: valid in a JSON escape ("\ud800") but not Unicode text; PostgreSQL
// refuses it in jsonb and it cannot be written as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badText(s: string): string | undefined {
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
  if (typeof value === 'string') {
    const detail = badText(value);
    return detail === undefined ? undefined : { pointer, detail };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) return { pointer, detail: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableJson(value[i], `${pointer}/${i}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const child = `${pointer}/${escapePointer(key)}`;
    const keyDetail = badText(key);
    if (keyDetail !== undefined) return { pointer: child, detail: `has a key that ${keyDetail}` };
    const found = unstorableJson(v, child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
