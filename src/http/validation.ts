import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// Two validators: JSON bodies are checked as sent (a string is not silently turned into a number),
// while query strings and path parameters, which are always text, are coerced to their schema types
// and repeated query parameters become arrays.
function ajv(options: Options): Ajv.default {
  const instance = new Ajv.default({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats.default(instance, ['date-time', 'uuid', 'uri', 'email']);
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
