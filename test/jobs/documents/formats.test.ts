import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detectFormat, parseDocument, type DocumentFormat } from '../../../src/jobs/documents/index.js';
import { fixture } from './helpers.js';

const none = Buffer.alloc(0);
const text = (s: string) => Buffer.from(s, 'utf8');

describe('detectFormat by file name', () => {
  const cases: Array<[string, DocumentFormat]> = [
    ['notes.txt', 'text'],
    ['README.md', 'markdown'],
    ['guide.markdown', 'markdown'],
    ['index.html', 'html'],
    ['PAGE.HTM', 'html'],
    ['page.xhtml', 'html'],
    ['en.json', 'json'],
    ['messages.de.po', 'po'],
    ['messages.pot', 'po'],
    ['app.fr.xlf', 'xliff'],
    ['app.xliff', 'xliff'],
    ['strings.csv', 'csv'],
    ['strings.tsv', 'csv'],
    ['Report Q3.DOCX', 'docx'],
    ['C:\\Users\\ana\\Documents\\letter.docx', 'docx'],
    ['/uploads/2025/guide.md', 'markdown'],
  ];
  it.each(cases)('%s is %s', (name, format) => {
    expect(detectFormat(name, undefined, none)).toBe(format);
  });

  it('knows nothing from an unknown or missing extension', () => {
    expect(detectFormat('archive.tar.gz', undefined, none)).toBeUndefined();
    expect(detectFormat('Makefile', undefined, none)).toBeUndefined();
    expect(detectFormat('folder.md/', undefined, none)).toBeUndefined();
    expect(detectFormat('toString', undefined, none)).toBeUndefined();
    expect(detectFormat('x.constructor', undefined, none)).toBeUndefined();
  });

  it('trusts the extension over the content type and the bytes', () => {
    expect(detectFormat('en.json', 'text/html', text('<p>hi</p>'))).toBe('json');
  });
});

describe('detectFormat by content type', () => {
  const cases: Array<[string, DocumentFormat]> = [
    ['text/markdown', 'markdown'],
    ['text/x-markdown; charset=UTF-8', 'markdown'],
    ['text/html; charset=utf-8', 'html'],
    ['application/xhtml+xml', 'html'],
    ['application/json', 'json'],
    ['application/vnd.api+json', 'json'],
    ['text/x-gettext-translation', 'po'],
    ['text/x-po', 'po'],
    ['application/x-xliff+xml', 'xliff'],
    ['application/xliff+xml', 'xliff'],
    ['TEXT/CSV', 'csv'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ];
  it.each(cases)('%s is %s', (contentType, format) => {
    expect(detectFormat(undefined, contentType, none)).toBe(format);
    expect(detectFormat('upload.bin', contentType, none)).toBe(format);
  });

  it('lets the bytes decide when the type is generic', () => {
    const xliff = text('<?xml version="1.0"?>\n<xliff version="1.2"><file/></xliff>');
    expect(detectFormat(undefined, 'application/xml', xliff)).toBe('xliff');
    expect(detectFormat(undefined, 'text/xml', xliff)).toBe('xliff');
    expect(detectFormat(undefined, 'application/octet-stream', fixture('report.docx'))).toBe('docx');
    // text/plain is what many clients send for .po files.
    expect(detectFormat(undefined, 'text/plain', fixture('messages.de.po'))).toBe('po');
    expect(detectFormat(undefined, 'text/plain', fixture('guide.txt'))).toBe('text');
  });

  it('falls back to text/plain only for bytes that do not look like text, and to nothing without it', () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]);
    expect(detectFormat(undefined, 'text/plain; charset=utf-8', binary)).toBe('text');
    expect(detectFormat(undefined, 'application/octet-stream', binary)).toBeUndefined();
    expect(detectFormat(undefined, 'image/png', binary)).toBeUndefined();
  });
});

describe('detectFormat by sniffing', () => {
  it('recognises every fixture from its bytes alone', () => {
    const fixtures: Array<[string, DocumentFormat]> = [
      ['guide.txt', 'text'],
      ['guide.md', 'markdown'],
      ['pricing.html', 'html'],
      ['messages.json', 'json'],
      ['messages.de.po', 'po'],
      ['app.fr.xlf', 'xliff'],
      ['app.de.xlf', 'xliff'],
      ['strings.csv', 'csv'],
      ['glossary.csv', 'csv'],
      ['report.docx', 'docx'],
    ];
    for (const [name, format] of fixtures) expect(detectFormat(undefined, undefined, fixture(name)), name).toBe(format);
  });

  const cases: Array<[string, string | Buffer, DocumentFormat | undefined]> = [
    ['an HTML fragment', '<p>Hello <b>there</b></p>', 'html'],
    [
      'XHTML with a declaration',
      '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
      'html',
    ],
    ['HTML after a comment', '<!-- generated -->\n<!DOCTYPE html><html></html>', 'html'],
    ['other XML', '<?xml version="1.0"?>\n<resources><string name="a">A</string></resources>', undefined],
    ['a prefixed XLIFF root', '<x:xliff xmlns:x="urn:oasis:names:tc:xliff:document:1.2" version="1.2"/>', 'xliff'],
    ['a JSON array', '  [\n  {"a": "b"}\n]', 'json'],
    ['a JSON array of strings', '["one", "two"]', 'json'],
    ['broken JSON, which the parser will explain', '{"a": ', 'json'],
    ['a Markdown link at the start', '[Jobline](https://example.com) runs jobs.', 'markdown'],
    ['a Markdown heading', 'Intro text\n\n## Install\n\nRun it.', 'markdown'],
    ['a Markdown fence', 'Example:\n\n```\ncode\n```\n', 'markdown'],
    ['a Markdown table', 'Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n', 'markdown'],
    ['a setext heading', 'Title\n=====\n\nBody', 'markdown'],
    ['bold text', 'This is **important** to know.', 'markdown'],
    ['a PO file without header', 'msgid "Hello"\nmsgstr "Hallo"\n', 'po'],
    ['a CSV with a known column', 'key,source\nhello,Hello world\n', 'csv'],
    ['a CSV with a known column and a Markdown link', 'id,text\na,"See [docs](https://x.y)"\n', 'csv'],
    ['a CSV of other columns', 'Name,Email,City\nAna,ana@example.com,Lisbon\nBo,bo@example.com,Oslo\n', 'csv'],
    ['a semicolon CSV', 'Name;City\nAna;Lisbon\nBo;Oslo\n', 'csv'],
    ['prose with commas', 'Hello, world.\nHow are you, friend?\n', 'text'],
    ['a single line', 'Just a line of text', 'text'],
    ['a zip that is not a .docx', Buffer.from(zipSync({ 'a.txt': strToU8('hello') })), undefined],
    ['nothing', '', undefined],
    ['whitespace', '  \n  ', undefined],
  ];
  it.each(cases)('%s', (_name, content, format) => {
    expect(detectFormat(undefined, undefined, typeof content === 'string' ? text(content) : content)).toBe(format);
  });

  it('reads UTF-16 with a byte order mark and a UTF-8 BOM', () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-16"?><xliff version="2.0"/>', 'utf16le'),
    ]);
    expect(detectFormat(undefined, undefined, utf16)).toBe('xliff');
    expect(
      detectFormat(undefined, undefined, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"a": "b"}')])),
    ).toBe('json');
  });

  it('does not fail on a multi-byte character cut by the sniffing window', () => {
    const bytes = Buffer.concat([text('a'.repeat(8191)), text('é and more text')]);
    expect(detectFormat(undefined, undefined, bytes)).toBe('text');
  });

  it('gives up on binary data and invalid UTF-8', () => {
    expect(detectFormat(undefined, undefined, Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'))).toBeUndefined();
    expect(
      detectFormat(undefined, undefined, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])),
    ).toBeUndefined();
    expect(detectFormat(undefined, undefined, Buffer.from('text\0with NUL'))).toBeUndefined();
  });

  it('detects what parseDocument can then read', async () => {
    for (const name of ['guide.md', 'messages.de.po', 'app.de.xlf', 'report.docx']) {
      const bytes = fixture(name);
      const format = detectFormat(undefined, undefined, bytes);
      expect(format).toBeDefined();
      expect((await parseDocument(bytes, format!)).segments.length).toBeGreaterThan(0);
    }
  });
});
