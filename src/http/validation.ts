import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats accepts what RFC 3339 allows, leap seconds included ("…T23:59:60Z"), but Date.parse
// cannot read those and the handlers would store NaN: a date-time must also be a time JavaScript
// can represent.
// Two validators: JSON bodies are checked as sent (a string is not silently turned into a number),
// while query strings and path parameters, which are always text, are coerced to their schema types
// and repeated query parameters become arrays.
function ajv(options: Options): Ajv.default {
  const instance = new Ajv.default({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    ...options,
  });
  addFormats.default(instance, ['date-time', 'uuid', 'uri', 'email']);
  const rfc3339 = instance.formats['date-time'] as { validate: (s: string) => boolean };
  instance.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => rfc3339.validate(s) && Number.isFinite(Date.parse(s)),
  });
  // UUIDs are case-insensitive on input (RFC 9562 §4) but stored lowercase: PostgreSQL's uuid type
  // would match an uppercase id and SQLite's text would not. `x-lowercase` rewrites the value in place.
  instance.addKeyword({
    keyword: 'x-lowercase',
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    compile:
      (enabled: boolean) =>
      (
        data: string,
        context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
      ) => {
        if (enabled && context?.parentData !== undefined)
          context.parentData[context.parentDataProperty] = data.toLowerCase();
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

export { MAX_JSON_DEPTH, unstorableJson } from '../core/json.js';

/** A date-time the validators above accepted, as epoch milliseconds (undefined when absent). */
export function parseTime(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}
