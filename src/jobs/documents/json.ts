import { invalid } from './errors.js';
import { MAX_JSON_DEPTH } from './limits.js';
import { SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

/**
 * Every non-blank string value is a segment keyed by its JSON Pointer (RFC 6901); keys, numbers,
 * booleans and nulls are not translatable.
 *
 * A small RFC 8259 parser of its own rather than JSON.parse: it reports errors by line and column,
 * refuses nesting deeper than MAX_JSON_DEPTH before building anything, and never materialises
 * objects, so keys such as "__proto__" are plain text.
 */
export function parseJson(text: string): ParsedContent {
  const segments = new SegmentList();
  new JsonReader(text, segments).document();
  return { segments: segments.items };
}

class JsonReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly segments: SegmentList,
  ) {}

  document(): void {
    this.skipWhitespace();
    this.value('', 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected data after the end of the JSON value');
  }

  private value(pointer: string, depth: number): void {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        this.object(pointer, depth + 1);
        return;
      case '[':
        this.array(pointer, depth + 1);
        return;
      case '"': {
        const value = this.string();
        if (value.trim() !== '') this.segments.add(value, { key: pointer });
        return;
      }
      case 't':
        this.literal('true');
        return;
      case 'f':
        this.literal('false');
        return;
      case 'n':
        this.literal('null');
        return;
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
          this.number();
          return;
        }
        this.fail(
          c === undefined ? 'unexpected end of input, expected a value' : `unexpected ${describe(c)}, expected a value`,
        );
    }
  }

  private object(pointer: string, depth: number): void {
    this.checkDepth(depth);
    this.pos++; // {
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.failExpected('a string key in double quotes');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.failExpected("':' after an object key");
      this.pos++;
      this.skipWhitespace();
      this.value(`${pointer}/${escapePointer(key)}`, depth);
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === '}') this.fail("trailing comma before '}'");
        continue;
      }
      if (c === '}') {
        this.pos++;
        return;
      }
      this.failExpected("',' or '}' after an object member");
    }
  }

  private array(pointer: string, depth: number): void {
    this.checkDepth(depth);
    this.pos++; // [
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      this.value(`${pointer}/${index}`, depth);
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        this.skipWhitespace();
        if (this.text[this.pos] === ']') this.fail("trailing comma before ']'");
        continue;
      }
      if (c === ']') {
        this.pos++;
        return;
      }
      this.failExpected("',' or ']' after an array element");
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) {
        this.pos = start;
        this.fail('unterminated string');
      }
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20)
        this.fail(`control character U+${code.toString(16).padStart(4, '0').toUpperCase()} in a string; escape it`);
      if (code === 0x5c) {
        out += this.text.slice(runStart, this.pos);
        out += this.escape();
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private escape(): string {
    const c = this.text[this.pos + 1];
    const simple: Record<string, string> = {
      '"': '"',
      '\\': '\\',
      '/': '/',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    if (c !== undefined && c in simple) {
      this.pos += 2;
      return simple[c]!;
    }
    if (c === 'u') {
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape; expected four hexadecimal digits');
      this.pos += 6;
      // Lone surrogates are valid JSON; they pass through as the code unit they name.
      return String.fromCharCode(parseInt(hex, 16));
    }
    this.fail(c === undefined ? 'unterminated string' : `invalid escape sequence \\${c}`);
  }

  private number(): void {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (!found || found[0] === '-') this.fail('invalid number');
    this.pos += found[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9A-Za-z.+-]/.test(next)) this.fail('invalid number');
  }

  private literal(word: 'true' | 'false' | 'null'): void {
    if (!this.text.startsWith(word, this.pos))
      this.fail(`unexpected ${describe(this.text[this.pos]!)}, expected a value`);
    this.pos += word.length;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else return;
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) this.fail(`arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels`);
  }

  private failExpected(what: string): never {
    const c = this.text[this.pos];
    this.fail(
      c === undefined ? `unexpected end of input, expected ${what}` : `unexpected ${describe(c)}, expected ${what}`,
    );
  }

  private fail(message: string): never {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i !== -1 && i < this.pos; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = this.pos - lineStart + 1;
    throw invalid(`JSON syntax error at line ${line}, column ${column} (position ${this.pos}): ${message}`);
  }
}

function describe(c: string): string {
  if (c === "'") return `character "'"`;
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f
    ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`
    : `character '${c}'`;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
