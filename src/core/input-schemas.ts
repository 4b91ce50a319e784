import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FieldError } from './errors.js';

// Input schemas sent as JSON (a job type declared without code, docs/workers.md) are compiled here; the
// schemas of types defined by code are compiled by the registry. Both report a bad input the same way.

/** Largest schema accepted, as JSON text: a schema is compiled into code, so its size is bounded. */
export const MAX_SCHEMA_BYTES = 64 * 1024;

/** Problems of a validation, as JSON pointers under `prefix`. */
export function fieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  return (errors ?? []).map((e) => ({
    pointer: `${prefix}${e.instancePath}${e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : e.keyword === 'additionalProperties' ? `/${String(e.params.additionalProperty)}` : ''}`,
    detail: e.keyword === 'additionalProperties' ? 'is not a known field' : (e.message ?? 'is invalid'),
  }));
}

/**
 * Compiles a schema received as data, or says what is wrong with it under `pointer`. Strict mode refuses
 * unknown keywords (a misspelt `requried` would otherwise validate nothing); each schema gets its own Ajv
 * instance, so an `$id` cannot clash with another schema's and a replaced schema's code can be freed.
 */
export function compileInputSchema(
  schema: unknown,
  pointer: string,
): { validate: ValidateFunction } | { problems: FieldError[] } {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return { problems: [{ pointer, detail: 'must be a JSON Schema object' }] };
  const size = Buffer.byteLength(JSON.stringify(schema));
  if (size > MAX_SCHEMA_BYTES)
    return { problems: [{ pointer, detail: `is ${size} bytes of JSON; at most ${MAX_SCHEMA_BYTES} are accepted` }] };
  const ajv = new Ajv.default({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  addFormats.default(ajv);
  if (!ajv.validateSchema(schema)) {
    const problems = fieldErrors(ajv.errors, pointer).map((p) => ({ ...p, detail: `${p.detail} (JSON Schema)` }));
    return { problems };
  }
  try {
    return { validate: ajv.compile(schema) };
  } catch (error) {
    // Unknown keywords and formats, unresolvable $refs: Ajv names the problem in its message.
    return { problems: [{ pointer, detail: error instanceof Error ? error.message : String(error) }] };
  }
}
