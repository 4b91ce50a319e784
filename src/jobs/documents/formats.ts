import type { DocumentFormat } from './types.js';

const EXTENSIONS: Record<string, DocumentFormat> = {
  txt: 'text',
  text: 'text',
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  mkdn: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  json: 'json',
  po: 'po',
  pot: 'po',
  xlf: 'xliff',
  xliff: 'xliff',
  csv: 'csv',
  tsv: 'csv',
  docx: 'docx',
};

const CONTENT_TYPES: Record<string, DocumentFormat> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/json': 'json',
  'text/json': 'json',
  'text/x-po': 'po',
  'text/x-gettext-translation': 'po',
  'text/x-gettext-translation-template': 'po',
  'application/x-po': 'po',
  'application/x-gettext': 'po',
  'application/x-gettext-translation': 'po',
  'application/xliff+xml': 'xliff',
  'application/x-xliff+xml': 'xliff',
  'application/x-xliff': 'xliff',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

/** How much of the file sniffing reads; enough for any header, declaration or first table row. */
const SNIFF_BYTES = 8192;

/**
 * Decides in order of how much each clue can be trusted:
 * 1. a known file extension (people and tools name files after their format);
 * 2. a specific content type (a generic one such as application/octet-stream, application/xml or
 *    text/plain says little, since clients send what their platform guesses);
 * 3. the first bytes: a zip holding word/document.xml, an <xliff> or HTML root, JSON, PO keywords,
 *    a CSV header, Markdown syntax, or else any valid UTF-8 text;
 * 4. text/plain, for bytes that did not look like text at all.
 */
export function detectFormat(
  name: string | undefined,
  contentType: string | undefined,
  bytes: Buffer,
): DocumentFormat | undefined {
  const byName = name === undefined ? undefined : formatFromName(name);
  if (byName) return byName;
  const declared = contentType === undefined ? undefined : formatFromContentType(contentType);
  if (declared) return declared;
  const sniffed = sniffFormat(bytes);
  if (sniffed) return sniffed;
  return contentType !== undefined && mediaType(contentType) === 'text/plain' ? 'text' : undefined;
}

export function formatFromName(name: string): DocumentFormat | undefined {
  // Browsers send a bare name, but a path from any platform is possible.
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot === -1) return undefined;
  const extension = base.slice(dot + 1).toLowerCase();
  return Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;
}

export function formatFromContentType(contentType: string): DocumentFormat | undefined {
  const type = mediaType(contentType);
  if (Object.hasOwn(CONTENT_TYPES, type)) return CONTENT_TYPES[type];
  if (type.endsWith('+json')) return 'json';
  return undefined;
}

function mediaType(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

export function sniffFormat(bytes: Buffer): DocumentFormat | undefined {
  if (bytes.length === 0) return undefined;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    // Every zip entry's name is stored in the clear, in its local header and the central directory.
    return bytes.includes('word/document.xml', 0, 'latin1') ? 'docx' : undefined;
  }
  const head = sniffText(bytes.subarray(0, SNIFF_BYTES));
  if (head === undefined) return undefined;
  const text = head.trimStart();
  if (text === '') return undefined;

  if (text.startsWith('<')) {
    if (/<(?:[\w.-]+:)?xliff[\s>]/.test(text)) return 'xliff';
    if (/^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]/i.test(text))
      return 'html';
    if (text.startsWith('<?xml')) return undefined;
    if (
      /^<(?:!--|div|p|h[1-6]|section|article|main|header|nav|span|table|ul|ol|a|img|meta|title|link)[\s>/]/i.test(text)
    )
      return 'html';
  }
  if (text.startsWith('{') || /^\[\s*(?:[{["\]\d-]|true|false|null)/.test(text)) return 'json';
  if (/^msgid\s+"/m.test(text) && /^msgstr(?:\[\d+\])?\s+"/m.test(text)) return 'po';
  if (looksLikeCsv(text, true)) return 'csv';
  if (looksLikeMarkdown(text)) return 'markdown';
  if (looksLikeCsv(text, false)) return 'csv';
  return 'text';
}

/** UTF-8 (or UTF-16 with a BOM) text without NULs, else undefined: binary of some other kind. */
function sniffText(head: Buffer): string | undefined {
  let text: string;
  try {
    if (head[0] === 0xff && head[1] === 0xfe) text = new TextDecoder('utf-16le').decode(head);
    else if (head[0] === 0xfe && head[1] === 0xff) text = new TextDecoder('utf-16be').decode(head);
    // stream: true lets a character cut at the end of the window wait rather than fail.
    else text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
  return text.includes('\0') ? undefined : text;
}

const MARKDOWN_SIGNS = [
  /^#{1,6}[ \t]+\S/m, // ATX heading
  /^(?:```|~~~)/m, // fenced code
  /!?\[[^\]\n]+\]\([^)\s]+(?:\s+"[^"]*")?\)/, // link or image
  /^\|?[ \t]*:?-{3,}:?[ \t]*\|/m, // table delimiter row
  /^\S[^\n]*\n={3,}[ \t]*$/m, // setext heading
  /(?:^|\s)(?:\*\*|__)\S[^\n]*?\S(?:\*\*|__)(?:\s|[.,;:!?]|$)/m, // strong emphasis
];

function looksLikeMarkdown(text: string): boolean {
  return MARKDOWN_SIGNS.some((sign) => sign.test(text));
}

const HEADER_NAMES = new Set(['key', 'id', 'source', 'text', 'value', 'string', 'target', 'translation']);

/**
 * A header and at least one more record with the same number of fields (two or more), under one of
 * the delimiters a CSV uses. `strict` also wants a header naming a column this parser knows, which
 * outranks Markdown; otherwise header cells must not read like prose (ending in .!?:;).
 */
function looksLikeCsv(text: string, strict: boolean): boolean {
  for (const delimiter of [',', ';', '\t']) {
    const records = splitRecords(text, delimiter, 6);
    // The last record of the window may be cut short.
    if (records.length > 2) records.pop();
    if (records.length < 2) continue;
    const width = records[0]!.length;
    if (width < 2 || records.some((record) => record.length !== width)) continue;
    const header = records[0]!.map((cell) => cell.trim());
    if (strict) {
      if (header.some((cell) => HEADER_NAMES.has(cell.toLowerCase()))) return true;
    } else if (header.every((cell) => cell.length <= 64 && !/[.!?:;]$/.test(cell))) {
      return true;
    }
  }
  return false;
}

/** Up to `limit` non-empty records, quote-aware like readCsv but never failing on a cut-off window. */
function splitRecords(text: string, delimiter: string, limit: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const end = (): void => {
    record.push(field);
    if (record.length > 1 || record[0]!.trim() !== '') records.push(record);
    record = [];
    field = '';
  };
  for (let i = 0; i < text.length && records.length < limit; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      end();
    } else field += c;
  }
  if (records.length < limit && (field !== '' || record.length > 0)) end();
  return records;
}
