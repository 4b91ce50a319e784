import { XMLBuilder } from 'fast-xml-parser';
import { AppError } from '../core/errors.js';

export type Format = 'json' | 'xml';

export interface Representation {
  format: Format;
  pretty: boolean;
  /** Dotted paths to keep (`fields=a,b.c`); the id is always kept. */
  fields: string[] | undefined;
}

// The media types that name each format. The problem types count only when named exactly: `*/*`
// must not make JSON acceptable through application/problem+json after application/json;q=0.
const FORMAT_TYPES: Record<Format, string[]> = { json: ['application/json'], xml: ['application/xml', 'text/xml'] };
const PROBLEM_TYPES: Record<Format, string> = { json: 'application/problem+json', xml: 'application/problem+xml' };

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const [type, subtype, ...extra] = rawType!.trim().toLowerCase().split('/');
    if (type === undefined || subtype === undefined || type === '' || subtype === '' || extra.length > 0) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim());
    }
    if (!Number.isFinite(q)) continue;
    ranges.push({ type, subtype, q: Math.min(Math.max(q, 0), 1) });
  }
  return ranges;
}

/** The q the client gives a media type: from the most specific range that matches it (RFC 9110 §12.5.1). */
function qualityOf(ranges: Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*' && r.subtype === '*'
            ? 0
            : -1;
    if (specificity < 0) continue;
    if (best === undefined || specificity > best.specificity || (specificity === best.specificity && r.q > best.q))
      best = { specificity, q: r.q };
  }
  return best?.q ?? 0;
}

/**
 * Picks JSON or XML from an Accept header (RFC 9110 §12.5.1): each format gets the q of the most
 * specific range matching one of its media types, the higher q wins, JSON on a tie and when the
 * header is absent. Throws 406 when the client accepts neither.
 */
export function negotiateFormat(accept: string | undefined): Format {
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = parseAccept(accept);
  const exact = (mediaType: string) =>
    Math.max(0, ...ranges.filter((r) => `${r.type}/${r.subtype}` === mediaType).map((r) => r.q));
  const q = (format: Format) =>
    Math.max(exact(PROBLEM_TYPES[format]), ...FORMAT_TYPES[format].map((t) => qualityOf(ranges, t)));
  const json = q('json');
  const xml = q('xml');
  if (json <= 0 && xml <= 0) {
    throw new AppError(
      'not_acceptable',
      `This resource is available as application/json or application/xml, not ${accept.slice(0, 200)}.`,
    );
  }
  return xml > json ? 'xml' : 'json';
}

/**
 * True when the client names `text/event-stream` and prefers it to JSON and XML (a browser's
 * EventSource sends exactly that); an Accept of any type alone never selects a stream.
 */
export function wantsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = parseAccept(accept);
  const stream = Math.max(
    0,
    ...ranges.filter((r) => r.type === 'text' && r.subtype === 'event-stream').map((r) => r.q),
  );
  if (stream <= 0) return false;
  const exact = (mediaType: string) =>
    Math.max(0, ...ranges.filter((r) => `${r.type}/${r.subtype}` === mediaType).map((r) => r.q));
  return stream >= Math.max(exact('application/json'), exact('application/xml'), exact('text/xml'));
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
        entries.push(
          typeof inner === 'object'
            ? { '@_key': clean(k), ...(inner as object) }
            : { '@_key': clean(k), '#text': inner },
        );
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
const indented = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  format: true,
  indentBy: '  ',
});

export function toXml(root: string, value: unknown, pretty: boolean, attributes: Record<string, string> = {}): string {
  const builder = pretty ? indented : compact;
  const tree = toXmlTree(value);
  const attrs = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`@_${k}`, v]));
  const content = typeof tree === 'object' ? { ...attrs, ...(tree as object) } : { ...attrs, '#text': tree };
  const body = builder.build({ [root]: content });
  return `<?xml version="1.0" encoding="UTF-8"?>${pretty ? '\n' : ''}${body}`;
}
