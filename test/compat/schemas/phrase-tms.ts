import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

// Phrase TMS's schemas as embedded in its generated Python client (test/fixtures/phrase-openapi: the
// file names its source and version; extract.py rebuilt it from the client's models). OpenAPI 3.0
// schemas are draft-07 style; ajv is not strict, so `readOnly` and friends pass as annotations.
type Schema = { properties?: Record<string, unknown>; allOf?: { $ref?: string; properties?: Record<string, unknown> }[] };
const document = JSON.parse(
  readFileSync(new URL('../../fixtures/phrase-openapi/phrase-tms-schemas.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, Schema> } };

const ajv = new Ajv.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document);

function declared(name: string): string[] {
  const schema = document.components.schemas[name];
  if (schema === undefined) throw new Error(`no schema ${name}`);
  const own = Object.keys(schema.properties ?? {});
  const inherited = (schema.allOf ?? []).flatMap((part) =>
    part.$ref !== undefined ? declared(part.$ref.split('/').pop()!) : Object.keys(part.properties ?? {}),
  );
  return [...own, ...inherited];
}

/**
 * Validates `value` against Phrase's schema `name` and checks that it sends no member the schema does
 * not declare (OpenAPI objects allow extras; a typed client drops them, so none should be needed).
 */
export function expectPhrase(name: string, value: unknown, alsoDeclaredElsewhere: string[] = []): void {
  const validate = ajv.getSchema(`phrase-tms-schemas.json#/components/schemas/${name}`);
  if (validate === undefined) throw new Error(`no schema ${name}`);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, JSON.stringify(value)).toEqual([]);
  const names = [...declared(name), ...alsoDeclaredElsewhere];
  expect(Object.keys(value as object).filter((k) => !names.includes(k))).toEqual([]);
}
