import { describe, expect, it } from 'vitest';
import { MAX_SEGMENTS, parseDocument } from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

describe('JSON', () => {
  it('makes every non-blank string value a segment keyed by its JSON Pointer', async () => {
    const doc = await parseDocument(fixture('messages.json'), 'json');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Jobline', key: '/app/title' },
      { index: 1, text: 'Long work, done reliably.', key: '/app/tagline' },
      { index: 2, text: 'Projects', key: '/app/menu/0' },
      { index: 3, text: 'Jobs', key: '/app/menu/1' },
      { index: 4, text: 'Settings', key: '/app/menu/2' },
      { index: 5, text: 'No jobs yet. Create one to get started!', key: '/jobs/empty' },
      // RFC 6901: "/" in a key is written ~1 and "~" is written ~0.
      { index: 6, text: 'Status: {status}', key: '/jobs/status~1label' },
      { index: 7, text: 'Try again', key: '/jobs/retry~0button' },
      { index: 8, text: 'Jobs older than 30 days are removed.\nDownload them first.', key: '/jobs/details/help' },
      { index: 9, text: 'Keys are text, not properties', key: '/__proto__/note' },
      { index: 10, text: 'Déjà vu 😀', key: '/emoji' },
    ]);
    expect(doc.words).toBe(1 + 4 + 1 + 1 + 1 + 8 + 2 + 2 + 10 + 5 + 2);
  });

  it('keys a top-level string with the empty pointer and reads every escape', async () => {
    const doc = await parseText('"Tab\\there \\"quoted\\" \\\\ \\/ \\u00e9\\b\\f\\r\\n"', 'json');
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'Tab\there "quoted" \\ / é\b\f\r\n', key: '' }]);
  });

  it('gives numbers, booleans, nulls, empty strings and keys no segments', async () => {
    const doc = await parseText(
      '{"a": 1, "b": -2.5e+3, "c": true, "d": false, "e": null, "f": "", "g": "  ", "h": [], "i": {}}',
      'json',
    );
    expect(doc.segments).toEqual([]);
    expect(doc.words).toBe(0);
  });

  it('keeps duplicate keys as two segments', async () => {
    const doc = await parseText('{"title": "First", "title": "Second"}', 'json');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'First', key: '/title' },
      { index: 1, text: 'Second', key: '/title' },
    ]);
  });

  describe('syntax errors name the line, column and position', () => {
    const cases: Array<[string, string, string]> = [
      [
        'a missing comma',
        '{\n  "a": "x"\n  "b": "y"\n}',
        "JSON syntax error at line 3, column 3 (position 15): unexpected character '\"', expected ',' or '}' after an object member",
      ],
      [
        'a trailing comma',
        '{"a": ["x", "y",]}',
        "JSON syntax error at line 1, column 17 (position 16): trailing comma before ']'",
      ],
      [
        'a single-quoted string',
        "{'a': 1}",
        'JSON syntax error at line 1, column 2 (position 1): unexpected character "\'", expected a string key in double quotes',
      ],
      [
        'an unterminated string',
        '{"a": "never closed}',
        'JSON syntax error at line 1, column 7 (position 6): unterminated string',
      ],
      [
        'a raw line break in a string',
        '{"a": "two\nlines"}',
        'JSON syntax error at line 1, column 11 (position 10): control character U+000A in a string; escape it',
      ],
      [
        'an invalid escape',
        '["bad \\x41"]',
        'JSON syntax error at line 1, column 7 (position 6): invalid escape sequence \\x',
      ],
      [
        'a short \\u escape',
        '["\\u12"]',
        'JSON syntax error at line 1, column 3 (position 2): invalid \\u escape; expected four hexadecimal digits',
      ],
      [
        'a missing value',
        '{"a": }',
        "JSON syntax error at line 1, column 7 (position 6): unexpected character '}', expected a value",
      ],
      [
        'a bare word',
        '{"a": yes}',
        "JSON syntax error at line 1, column 7 (position 6): unexpected character 'y', expected a value",
      ],
      ['a leading zero', '[01]', 'JSON syntax error at line 1, column 3 (position 2): invalid number'],
      [
        'an unclosed object',
        '{"a": "x"',
        "JSON syntax error at line 1, column 10 (position 9): unexpected end of input, expected ',' or '}' after an object member",
      ],
      [
        'a second value',
        '{"a": "x"}\n{"b": "y"}',
        'JSON syntax error at line 2, column 1 (position 11): unexpected data after the end of the JSON value',
      ],
      [
        'a comment',
        '{\n  // note\n  "a": "x"\n}',
        "JSON syntax error at line 2, column 3 (position 4): unexpected character '/', expected a string key in double quotes",
      ],
    ];
    it.each(cases)('%s', async (_name, text, message) => {
      await expectFailure(parseText(text, 'json'), 'document_invalid', message);
    });
  });

  it('agrees with JSON.parse on what is valid', async () => {
    const samples = [
      '[1e5, -0, 0.5, 1E-2]',
      '{"a":{"b":[[[]]]}}',
      '[-]',
      '[1.]',
      '[.5]',
      '[+1]',
      '[0x10]',
      '[Infinity]',
      '[NaN]',
      '["\\u00"]',
      '[tru]',
      '[nulls]',
      '["a"\t,\r\n"b"]',
      '[1 2]',
      '{"a" "b"}',
      '{,}',
      '[,]',
    ];
    for (const sample of samples) {
      let valid = true;
      try {
        JSON.parse(sample);
      } catch {
        valid = false;
      }
      const outcome = await parseText(sample, 'json').then(
        () => true,
        () => false,
      );
      expect(outcome, sample).toBe(valid);
    }
  });

  it('refuses nesting deeper than 100 levels without exhausting the stack', async () => {
    await expect(parseText('['.repeat(100) + '"ok"' + ']'.repeat(100), 'json')).resolves.toMatchObject({
      segments: [{ index: 0, text: 'ok', key: '/0'.repeat(100) }],
    });
    await expectFailure(
      parseText('['.repeat(101) + ']'.repeat(101), 'json'),
      'document_invalid',
      'JSON syntax error at line 1, column 101 (position 100): arrays and objects are nested deeper than 100 levels',
    );
    await expectFailure(
      parseText('{"a":'.repeat(1_000_000) + '1' + '}'.repeat(1_000_000), 'json'),
      'document_invalid',
      /nested deeper than 100 levels/,
    );
  });

  it(`stops at ${MAX_SEGMENTS} segments`, async () => {
    const ok = `[${Array.from({ length: MAX_SEGMENTS }, () => '"w"').join(',')}]`;
    expect((await parseText(ok, 'json')).segments).toHaveLength(MAX_SEGMENTS);
    await expectFailure(
      parseText(ok.slice(0, -1) + ',"one more"]', 'json'),
      'document_too_large',
      'the document has more than 200000 segments',
    );
  });
});
