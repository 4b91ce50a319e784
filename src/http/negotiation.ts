import { XMLBuilder } from 'fast-xml-parser';
import { AppError } from '../core/errors.js';

export type Format = 'json' | 'xml';

export interface Representation {
  format: Format;
  pretty: boolean;
  /** Dotted paths to keep (`fields=a,b.c`); the id is always kept. */
  fields: string[] | undefined;
}

const JSON_TYPES = ['application/json', 'application/problem+json', 'application/*', '*/*'];
const XML_TYPES = ['application/xml', 'text/xml', 'application/problem+xml'];

/**
 * Picks JSON or XML from an Accept header (RFC 9110 §12.5.1): the highest q wins, JSON on a tie,
 * JSON when the header is absent. Throws 406 when the client accepts neither.
 */
export function negotiateFormat(accept: string | undefined): Format {
  if (accept === undefined || accept.trim() === '') return 'json';
  let best: { format: Format; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType!.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim() === 'q') q = Number(v);
    }
    if (!Number.isFinite(q) || q <= 0) continue;
    const format: Format | undefined = XML_TYPES.includes(type) ? 'xml' : JSON_TYPES.includes(type) ? 'json' : undefined;
    if (format === undefined) continue;
    if (best === undefined || q > best.q || (q === best.q && format === 'json')) best = { format, q };
  }
  if (best === undefined) {
    throw new AppError('not_acceptable', `This resource is available as application/json or application/xml, not ${accept}.`);
  }
  return best.format;
}

/** Keeps only the listed dotted paths of an object; `id` always stays so results stay addressable. */
export function selectFields(value: unknown, fields: string[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('id' in source) out.id = source.id;
  for (const path of fields) copyPath(source, out, path.split('.'));
  return out;
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  // Own members only: `fields=constructor` or `toString` must not reach Object.prototype.
  if (head === undefined || head === '__proto__' || !Object.hasOwn(from, head)) return;
  const v = from[head];
  if (rest.length === 0 || v === null || typeof v !== 'object' || Array.isArray(v)) {
    to[head] = v;
    return;
  }
  const child = (Object.hasOwn(to, head) ? to[head] : (to[head] = {})) as Record<string, unknown>;
  copyPath(v as Record<string, unknown>, child, rest);
}

/** Applies `fields` to a single resource, or to each item of a list envelope (`{ data: [...] }`). */
export function applyFields(payload: unknown, fields: string[]): unknown {
  if (payload !== null && typeof payload === 'object' && Array.isArray((payload as { data?: unknown }).data)) {
    const envelope = payload as { data: unknown[] };
    return { ...envelope, data: envelope.data.map((item) => selectFields(item, fields)) };
  }
  return selectFields(payload, fields);
}

// XML 1.0 names: a letter or underscore, then letters, digits, '-', '_' or '.'; and no "xml" prefix.
const XML_NAME = /^(?!xml)[A-Za-z_][A-Za-z0-9._-]*$/i;
// Characters XML 1.0 cannot carry at all, even escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * Shapes JSON data for the XML builder: arrays become repeated <item> elements, keys that are not
 * XML names become <entry key="..."> elements, null becomes an empty element.
 */
function toXmlTree(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'function') return '';
  if (Array.isArray(value)) return { item: value.map(toXmlTree) };
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const entries: unknown[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (XML_NAME.test(k)) {
        out[k] = toXmlTree(v);
      } else {
        const inner = toXmlTree(v);
        entries.push(typeof inner === 'object' ? { '@_key': clean(k), ...(inner as object) } : { '@_key': clean(k), '#text': inner });
      }
    }
    if (entries.length > 0) out.entry = entries;
    return out;
  }
  return clean(typeof value === 'string' ? value : JSON.stringify(value));
}

function clean(text: string): string {
  return text.replace(INVALID_XML_CHARS, '\uFFFD');
}

const compact = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });
const indented = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, format: true, indentBy: '  ' });

export function toXml(root: string, value: unknown, pretty: boolean, attributes: Record<string, string> = {}): string {
  const builder = pretty ? indented : compact;
  const tree = toXmlTree(value);
  const attrs = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`@_${k}`, v]));
  const content = typeof tree === 'object' ? { ...attrs, ...(tree as object) } : { ...attrs, '#text': tree };
  const body = builder.build({ [root]: content });
  return `<?xml version="1.0" encoding="UTF-8"?>${pretty ? '\n' : ''}${body}`;
}
