/**
 * The text of a PostgreSQL array of strings, numbers and nulls, as node-postgres would send the same
 * JavaScript array, built in one pass. Batched statements bind one array per column (unnest(…)), so a
 * batch of 1,000 jobs has some 18,000 elements; node-postgres's own conversion runs two regular
 * expression replacements on every string and a type dispatch on every element.
 */
export function pgArray(values: readonly (string | number | null | undefined)[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ',';
    if (v === null || v === undefined) text += 'NULL';
    else if (typeof v === 'number') text += String(v);
    else text += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `${text}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;
