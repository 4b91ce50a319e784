import { invalid } from './errors.js';
import { SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

interface Entry {
  line: number;
  context?: string;
  id?: string;
  plural?: string;
  /** msgstr, or msgstr[n] by n for plural entries. */
  translations: Map<number, string>;
  hasMsgstr: boolean;
}

type Field = 'msgctxt' | 'msgid' | 'msgid_plural' | `msgstr[${number}]` | 'msgstr';

const KEYWORD = /^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s"]|$)/;

/**
 * Gettext PO/POT. Each entry's msgid is a segment (msgctxt as its context, msgstr or msgstr[0] as its
 * target) and so is its msgid_plural (msgstr[1] as its target; Segment has no room for a third plural
 * form). The header entry (msgid "" without context) gives the target language and is not a segment.
 * Fuzzy entries are segments like any other; obsolete ones (#~) are not, since gettext ignores them.
 */
export function parsePo(text: string): ParsedContent {
  const lines = text.split(/\r\n|\r|\n/);
  const segments = new SegmentList();
  let sourceLanguage: string | undefined;
  let targetLanguage: string | undefined;
  let entry: Entry | undefined;
  let last: { field: Field; append: (s: string) => void } | undefined;

  const finish = (): void => {
    if (!entry) return;
    const current = entry;
    entry = undefined;
    last = undefined;
    if (current.id === undefined) {
      throw invalid(`line ${current.line}: msgctxt without msgid`);
    }
    if (!current.hasMsgstr) {
      throw invalid(`line ${current.line}: msgid without msgstr`);
    }
    if (current.plural !== undefined && !current.translations.has(0)) {
      throw invalid(`line ${current.line}: msgid_plural without msgstr[0]`);
    }
    if (current.id === '' && current.context === undefined) {
      const header = parseHeader(current.translations.get(0) ?? '');
      if (header.language) targetLanguage = header.language;
      if (header.sourceLanguage) sourceLanguage = header.sourceLanguage;
      return;
    }
    const fields = (target: string | undefined): { context?: string; target?: string } => ({
      ...(current.context !== undefined && { context: current.context }),
      // An empty msgstr means untranslated, not translated as nothing.
      ...(target !== undefined && target !== '' && { target }),
    });
    if (current.id.trim() !== '') segments.add(current.id, fields(current.translations.get(0)));
    if (current.plural !== undefined && current.plural.trim() !== '') {
      segments.add(current.plural, fields(current.translations.get(1)));
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      // A comment opens the next entry once the current one has its msgstr.
      if (entry?.hasMsgstr) finish();
      continue;
    }
    if (line.startsWith('"')) {
      if (!last)
        throw invalid(`line ${lineNumber}: a string continues nothing; expected msgid, msgstr or msgctxt before it`);
      last.append(readString(line, 0, lineNumber, last.field));
      continue;
    }
    const match = KEYWORD.exec(line);
    if (!match) {
      const word = line.split(/\s/, 1)[0]!.slice(0, 40);
      throw invalid(`line ${lineNumber}: unexpected '${word}'; expected msgctxt, msgid, msgid_plural or msgstr`);
    }
    const field = match[1] as Field;
    const rest = line.slice(match[0].length).trimStart();
    if (!rest.startsWith('"')) throw invalid(`line ${lineNumber}: ${field} needs a string in double quotes`);
    const value = readString(rest, 0, lineNumber, field);

    if (field === 'msgctxt' || field === 'msgid') {
      if (entry?.hasMsgstr) finish();
      entry ??= { line: lineNumber, translations: new Map(), hasMsgstr: false };
      const current = entry;
      if (field === 'msgctxt') {
        if (current.context !== undefined || current.id !== undefined) {
          throw invalid(
            `line ${lineNumber}: msgctxt after ${current.id !== undefined ? 'msgid' : 'msgctxt'}; the entry on line ${current.line} has no msgstr`,
          );
        }
        current.context = value;
        last = { field, append: (s) => (current.context += s) };
      } else {
        if (current.id !== undefined) throw invalid(`line ${current.line}: msgid without msgstr`);
        current.id = value;
        last = { field, append: (s) => (current.id += s) };
      }
      continue;
    }

    const current = entry;
    if (!current || current.id === undefined) throw invalid(`line ${lineNumber}: ${field} without msgid`);
    if (field === 'msgid_plural') {
      if (current.hasMsgstr) throw invalid(`line ${lineNumber}: msgid_plural after msgstr`);
      if (current.plural !== undefined) throw invalid(`line ${lineNumber}: second msgid_plural in one entry`);
      current.plural = value;
      last = { field, append: (s) => (current.plural += s) };
      continue;
    }
    const index = match[2] === undefined ? undefined : Number(match[2]);
    if (index === undefined) {
      if (current.plural !== undefined)
        throw invalid(`line ${lineNumber}: the entry has msgid_plural, so its translations are msgstr[0], msgstr[1]…`);
      if (current.hasMsgstr) throw invalid(`line ${lineNumber}: second msgstr in one entry`);
    } else {
      if (current.plural === undefined) throw invalid(`line ${lineNumber}: ${field} without msgid_plural`);
      if (current.translations.has(index)) throw invalid(`line ${lineNumber}: second ${field} in one entry`);
    }
    const slot = index ?? 0;
    current.translations.set(slot, value);
    current.hasMsgstr = true;
    last = { field, append: (s) => current.translations.set(slot, current.translations.get(slot)! + s) };
  }
  finish();
  return {
    segments: segments.items,
    ...(sourceLanguage !== undefined && { sourceLanguage }),
    ...(targetLanguage !== undefined && { targetLanguage }),
  };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  "'": "'",
  '?': '?',
};

/** Reads the C string literal starting at line[start] (a double quote); only whitespace may follow it. */
function readString(line: string, start: number, lineNumber: number, field: Field): string {
  let out = '';
  let i = start + 1;
  for (;;) {
    if (i >= line.length) throw invalid(`line ${lineNumber}: unterminated ${field}`);
    const c = line[i]!;
    if (c === '"') break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = line[i + 1];
    if (e === undefined) throw invalid(`line ${lineNumber}: unterminated ${field}`);
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const octal = /^[0-7]{1,3}/.exec(line.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(octal, 8));
      i += 1 + octal.length;
    } else if (e === 'x' && /[0-9a-fA-F]/.test(line[i + 2] ?? '')) {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(line.slice(i + 2))![0];
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2 + hex.length;
    } else {
      throw invalid(`line ${lineNumber}: invalid escape sequence \\${e} in ${field}`);
    }
  }
  const after = line.slice(i + 1).trim();
  if (after !== '') throw invalid(`line ${lineNumber}: unexpected text after the closing quote of ${field}`);
  return out;
}

/** Reads "Name: value" lines of the header entry's msgstr. */
function parseHeader(header: string): { language?: string; sourceLanguage?: string } {
  const result: { language?: string; sourceLanguage?: string } = {};
  for (const line of header.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value === '') continue;
    if (name === 'language') result.language = languageTag(value);
    else if (name === 'x-source-language') result.sourceLanguage = languageTag(value);
  }
  return result;
}

/** POSIX locale names (pt_BR, sr_RS@latin, de_DE.UTF-8) as BCP 47 tags (pt-BR, sr-RS, de-DE). */
function languageTag(locale: string): string {
  return locale.replace(/[.@].*$/, '').replace(/_/g, '-');
}
