import { describe, expect, it } from 'vitest';
import {
  MAX_DOCUMENT_BYTES,
  MAX_SEGMENTS,
  parseDocument,
  type DocumentFormat,
} from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

describe('plain text', () => {
  it('makes one trimmed segment per blank-line separated paragraph, keeping its line breaks', async () => {
    const doc = await parseDocument(fixture('guide.txt'), 'text');
    expect(doc).toStrictEqual({
      format: 'text',
      segments: [
        { index: 0, text: 'Welcome to Jobline' },
        {
          index: 1,
          text: 'Jobline runs long work for your API: imports, exports and translations.\nEach job has a status, a progress bar and a log.',
        },
        { index: 2, text: 'Questions? Write to support@example.com — we answer within 24 hours.' },
      ],
      // 3 + (11 + 11) + 10: "support@example.com" is two words, the dash none, "24" one.
      words: 35,
    });
  });

  it('reads CRLF and CR line endings and a UTF-8 byte order mark', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('First line\r\nsame paragraph\r\n\r\nSecond\r\rThird', 'utf8'),
    ]);
    const doc = await parseDocument(bytes, 'text');
    expect(doc.segments.map((segment) => segment.text)).toEqual(['First line\nsame paragraph', 'Second', 'Third']);
    expect(doc.words).toBe(6);
  });

  it(`stops at ${MAX_SEGMENTS} paragraphs`, async () => {
    const doc = await parseText('word\n\n'.repeat(MAX_SEGMENTS), 'text');
    expect(doc.segments).toHaveLength(MAX_SEGMENTS);
    expect(doc.words).toBe(MAX_SEGMENTS);
    await expectFailure(
      parseText('word\n\n'.repeat(MAX_SEGMENTS + 1), 'text'),
      'document_too_large',
      'the document has more than 200000 segments',
    );
  });

  it('reads UTF-16 with a byte order mark', async () => {
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße\n\nzwei', 'utf16le')]);
    expect((await parseDocument(little, 'text')).segments.map((s) => s.text)).toEqual(['Grüße', 'zwei']);
    const big = Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Ola', 'utf16le').swap16()]));
    expect((await parseDocument(big, 'text')).segments).toStrictEqual([{ index: 0, text: 'Ola' }]);
  });
});

describe('input every format refuses', () => {
  const textFormats: DocumentFormat[] = ['text', 'markdown', 'html', 'json', 'po', 'xliff', 'csv'];

  it.each(textFormats)('an empty %s file', async (format) => {
    await expectFailure(parseDocument(Buffer.alloc(0), format), 'document_invalid', 'the document is empty');
    await expectFailure(parseText(' \n\t\r\n ', format), 'document_invalid', 'the document is empty');
    await expectFailure(
      parseDocument(Buffer.from([0xef, 0xbb, 0xbf]), format),
      'document_invalid',
      'the document is empty',
    );
  });

  it('an empty .docx file', async () => {
    await expectFailure(parseDocument(Buffer.alloc(0), 'docx'), 'document_invalid', 'the document is empty');
  });

  it.each(textFormats)('invalid UTF-8 in a %s file, located by line and byte', async (format) => {
    // "café" in Latin-1: 0xE9 is not followed by continuation bytes.
    const bytes = Buffer.concat([
      Buffer.from('line one\nline two\ncaf', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('\n', 'utf8'),
    ]);
    await expectFailure(
      parseDocument(bytes, format),
      'document_invalid',
      'line 3: invalid UTF-8 at byte 21; save the document as UTF-8',
    );
  });

  it('an overlong or surrogate UTF-8 sequence, which a lenient decoder would accept', async () => {
    await expectFailure(
      parseDocument(Buffer.from([0x61, 0xc0, 0xaf]), 'text'),
      'document_invalid',
      'line 1: invalid UTF-8 at byte 1; save the document as UTF-8',
    );
    await expectFailure(
      parseDocument(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 'text'),
      'document_invalid',
      'line 1: invalid UTF-8 at byte 2; save the document as UTF-8',
    );
    // The offset counts the byte order mark.
    await expectFailure(
      parseDocument(Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff]), 'text'),
      'document_invalid',
      'line 1: invalid UTF-8 at byte 4; save the document as UTF-8',
    );
  });

  it('UTF-16 without a byte order mark, which decodes as UTF-8 full of NULs', async () => {
    await expectFailure(
      parseDocument(Buffer.from('Hello\nworld', 'utf16le'), 'text'),
      'document_invalid',
      'line 1: NUL character; the document is binary or UTF-16 without a byte order mark',
    );
  });

  it('a broken UTF-16 file', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([0x00, 0xd8, 0x41, 0x00])]); // lone high surrogate
    await expectFailure(
      parseDocument(bytes, 'text'),
      'document_invalid',
      'the document has a UTF-16 byte order mark but is not valid UTF-16LE',
    );
  });

  it('a file over 50 MB, before reading it', async () => {
    const bytes = Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x61);
    for (const format of ['text', 'docx'] as const) {
      await expectFailure(
        parseDocument(bytes, format),
        'document_too_large',
        'the document is 52428801 bytes; documents of up to 50 MB (52428800 bytes) are accepted',
      );
    }
  });

  it('a format it does not know', async () => {
    await expectFailure(
      parseText('hello', 'pdf' as DocumentFormat),
      'document_unsupported',
      'unsupported document format "pdf"',
    );
  });

  it('accepts a document of exactly 50 MB', async () => {
    const bytes = Buffer.alloc(MAX_DOCUMENT_BYTES, 0x20);
    bytes.write('Fifty megabytes', 0, 'utf8');
    bytes.write('end', MAX_DOCUMENT_BYTES - 3, 'utf8');
    const doc = await parseDocument(bytes, 'text');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: `Fifty megabytes${' '.repeat(MAX_DOCUMENT_BYTES - 18)}end` },
    ]);
    expect(doc.words).toBe(3);
  });
});
