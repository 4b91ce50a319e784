import { AppError } from '../../core/errors.js';

// Asana's input/output options: `opt_fields` (comma-separated dotted paths; `this.` prefixes and the
// group operator `this.(a|b).c` of the older syntax are accepted) and `opt_pretty`, from the query or
// from the `options` member beside `data` in a JSON body.

export interface OutputOptions {
  fields: string[] | undefined;
  pretty: boolean;
}

/** `a.(b|c).d` → `a.b.d`, `a.c.d` (one group per term is all the docs show; more are expanded too). */
function expandGroups(term: string): string[] {
  const m = /\(([^()]*)\)/.exec(term);
  if (m === null) return [term];
  return m[1]!
    .split('|')
    .flatMap((alt) => expandGroups(term.slice(0, m.index) + alt + term.slice(m.index + m[0].length)));
}

export function parseFields(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
  const terms = items.flatMap((v) => (typeof v === 'string' ? v.split(',') : []));
  if (items.length > 0 && items.some((v) => typeof v !== 'string'))
    throw new AppError('bad_request', 'opt_fields: must be a comma-separated list of field names');
  const fields = terms
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .flatMap(expandGroups)
    .map((t) => t.replace(/^this\./, ''));
  return fields.length === 0 ? undefined : fields;
}

function truthy(value: unknown): boolean {
  // `?opt_pretty` alone (allowEmptyValue in Asana's spec) turns it on.
  return value === true || value === '' || value === 'true' || value === '1';
}

export function outputOptions(query: unknown, body?: unknown): OutputOptions {
  const q = (query ?? {}) as Record<string, unknown>;
  const options = (
    body !== null && typeof body === 'object' ? (body as Record<string, unknown>).options : undefined
  ) as Record<string, unknown> | undefined;
  // The SDK serialises an opt_fields array as opt_fields[0]=…&opt_fields[1]=…; plain repeats work too.
  const fromQuery = Object.keys(q)
    .filter((k) => /^opt_fields(\[\d*\])?$/.test(k))
    .flatMap((k) => (Array.isArray(q[k]) ? (q[k] as unknown[]) : [q[k]]));
  const fields = parseFields(fromQuery.length > 0 ? fromQuery : options?.fields);
  const pretty = 'opt_pretty' in q ? truthy(q.opt_pretty) : truthy(options?.pretty);
  return { fields, pretty };
}

type Json = Record<string, unknown>;

/**
 * Keeps the fields named by dotted paths. `gid` is always kept ("The gid of included objects will
 * always be returned, regardless of the field options"); an object named without sub-fields is its
 * compact reference, `{gid, resource_type}`.
 */
export function selectFields(resource: Json, paths: string[]): Json {
  const out: Json = {};
  if ('gid' in resource) out.gid = resource.gid;
  const byHead = new Map<string, string[]>();
  for (const path of paths) {
    const [head, ...rest] = path.split('.');
    if (head === undefined || !(head in resource)) continue; // unknown fields are ignored
    const list = byHead.get(head) ?? [];
    if (rest.length > 0) list.push(rest.join('.'));
    byHead.set(head, list);
  }
  for (const [head, rest] of byHead) {
    const value = resource[head];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) out[head] = value;
    else if (rest.length === 0) out[head] = selectFields(value as Json, ['resource_type']);
    else out[head] = selectFields(value as Json, rest);
  }
  return out;
}

export function serialize(body: unknown, options: OutputOptions): string {
  return JSON.stringify(body, null, options.pretty ? 2 : undefined);
}
