import { invalid } from './errors.js';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Decodes a text document: UTF-8 (a BOM is dropped), or UTF-16 when a BOM says so, since Windows
 * tools still save "Unicode" text that way. Anything that does not decode cleanly is refused rather
 * than replaced with U+FFFD: a translator would otherwise receive silently damaged text.
 */
export function decodeText(bytes: Uint8Array, what = 'the document'): string {
  if (bytes.length === 0) throw invalid(`${what} is empty`);
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = decodeUtf16(bytes.subarray(2), 'utf-16le', what);
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = decodeUtf16(bytes.subarray(2), 'utf-16be', what);
  } else {
    const start = bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2] ? 3 : 0;
    const body = bytes.subarray(start);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      const offset = firstInvalidUtf8(body);
      const line = countNewlines(body, offset) + 1;
      throw invalid(`line ${line}: invalid UTF-8 at byte ${offset + start}; save ${what} as UTF-8`);
    }
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = text.slice(0, nul).split('\n').length;
    throw invalid(`line ${line}: NUL character; ${what} is binary or UTF-16 without a byte order mark`);
  }
  if (text.trim() === '') throw invalid(`${what} is empty`);
  return text;
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', what: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid(`${what} has a UTF-16 byte order mark but is not valid ${encoding.toUpperCase()}`);
  }
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (WHATWG decoder rules). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0; // overlong
      if (b === 0xed) upper = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90; // overlong
      if (b === 0xf4) upper = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < lower || c > upper) return i;
      lower = 0x80;
      upper = 0xbf;
    }
    i += need + 1;
  }
  return bytes.length;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}
