import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

// The vendors' own schemas, vendored under ./vendor with their source and version (see README.md
// there), turned from OpenAPI 3.0 into JSON Schema for ajv: `nullable` becomes a null alternative and
// `#/components/schemas/X` a reference into the vendored set. Nothing is added: members the vendor does
// not describe are allowed, as the vendor's clients allow them (the closed schemas beside this file
// check those).

type Json = Record<string, unknown>;

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  // `allOf: [X, {nullable: true}]` is how OpenAPI 3.0 makes a referenced schema nullable (JobCompact.new_task).
  const raw = node as Json;
  if (Array.isArray(raw.allOf) && (raw.allOf as Json[]).some((s) => s.nullable === true)) {
    const allOf = (raw.allOf as Json[]).map(({ nullable: _n, ...s }) => s);
    return { anyOf: [{ type: 'null' }, convert({ ...raw, allOf })] };
  }
  const o: Json = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, convert(v)]));
  if (typeof o.$ref === 'string') o.$ref = o.$ref.replace('#/components/schemas/', '#/definitions/');
  if (o.nullable === true) {
    delete o.nullable;
    if (typeof o.type === 'string') o.type = [o.type, 'null'];
    else return { anyOf: [{ type: 'null' }, o] };
    if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
  }
  delete o.nullable;
  return o;
}

const files = new URL('./vendor/', import.meta.url);

/** The vendored file's schemas and where they come from. */
export function vendored(name: 'asana-oas.json' | 'pim.json'): { source: string; version: string; schemas: Json } {
  return JSON.parse(readFileSync(new URL(name, files), 'utf8'));
}

/**
 * `expectValid(schemaName, body)`: the body is valid against the vendor's named component schema, or
 * the test fails with ajv's errors.
 */
export function vendorValidator(name: 'asana-oas.json' | 'pim.json'): (schema: string, value: unknown) => void {
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const { schemas } = vendored(name);
  ajv.addSchema({ $id: name, definitions: convert(schemas) as Json });
  return (schema, value) => {
    if (!(schema in schemas)) throw new Error(`${name} has no schema ${schema}`);
    const validate = ajv.getSchema(`${name}#/definitions/${schema}`)!;
    const ok = validate(value);
    expect(ok ? [] : validate.errors, `${schema}: ${JSON.stringify(value)}`).toEqual([]);
  };
}
