import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/** An ajv instance with the given schemas; `expectValid(id, value)` fails the test with ajv's errors. */
export function validator(schemas: object[]): (id: string, value: unknown) => void {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  addFormats.default(ajv);
  for (const schema of schemas) ajv.addSchema(schema);
  return (id, value) => {
    const validate = ajv.getSchema(id);
    if (validate === undefined) throw new Error(`no schema ${id}`);
    const ok = validate(value);
    expect(ok ? [] : validate.errors, JSON.stringify(value)).toEqual([]);
  };
}
