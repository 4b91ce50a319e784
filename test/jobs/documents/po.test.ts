import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

describe('Gettext PO', () => {
  it('reads a catalog: header, context, plurals, multi-line strings, escapes, fuzzy and obsolete entries', async () => {
    const doc = await parseDocument(fixture('messages.de.po'), 'po');
    expect(doc).toStrictEqual({
      format: 'po',
      // The header entry is not a segment; its Language gives the target language.
      targetLanguage: 'de-DE',
      segments: [
        { index: 0, text: 'Create job', target: 'Auftrag erstellen' },
        { index: 1, text: 'Cancel', context: 'button', target: 'Abbrechen' },
        { index: 2, text: 'Cancel', context: 'status', target: 'Abgebrochen' },
        { index: 3, text: '%d job is waiting', target: '%d Auftrag wartet' },
        { index: 4, text: '%d jobs are waiting', target: '%d Aufträge warten' },
        {
          index: 5,
          text: 'Jobs run in the background. You can close this page; we will email you when the "export" is ready.\n',
          target:
            'Aufträge laufen im Hintergrund. Sie können diese Seite schließen; wir senden eine E-Mail, wenn der "Export" fertig ist.\n',
        },
        // Fuzzy: still a segment, with its (doubtful) translation.
        { index: 6, text: 'Delete this project', target: 'Projekt löschen' },
        // An empty msgstr is no translation yet.
        { index: 7, text: 'Path:\tC:\\Jobs\\export.csv' },
      ],
      // "#~" obsolete entries are ignored.
      words: 2 + 1 + 1 + 4 + 4 + 19 + 3 + 4,
    });
  });

  it('reads a POT template, entries without blank lines between them, and plural forms beyond two', async () => {
    const doc = await parseText(
      [
        'msgid "One"',
        'msgstr ""',
        'msgctxt "menu"',
        'msgid "File"',
        'msgstr "Plik"',
        'msgid "%d file"',
        'msgid_plural "%d files"',
        'msgstr[0] "%d plik"',
        'msgstr[1] "%d pliki"',
        'msgstr[2] "%d plików"',
      ].join('\n'),
      'po',
    );
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'One' },
      { index: 1, text: 'File', context: 'menu', target: 'Plik' },
      { index: 2, text: '%d file', target: '%d plik' },
      { index: 3, text: '%d files', target: '%d pliki' },
    ]);
    expect(doc.targetLanguage).toBeUndefined();
  });

  it('decodes C escapes: octal, hexadecimal, quotes, backslashes, control characters', async () => {
    const doc = await parseText('msgid "A\\101\\x42 \\"q\\" \\\\ \\a\\b\\f\\v\\r\\t\\n\\? \\\'"\nmsgstr ""\n', 'po');
    expect(doc.segments[0]!.text).toBe('AAB "q" \\ \x07\b\f\v\r\t\n? \'');
  });

  it('reads CRLF files, keeps a msgctxt of "" as context, and maps the header language to BCP 47', async () => {
    const text = 'msgid ""\r\nmsgstr "Language: sr_RS@latin\\n"\r\n\r\nmsgctxt ""\r\nmsgid "Hi"\r\nmsgstr "Zdravo"\r\n';
    const doc = await parseText(text, 'po');
    expect(doc.targetLanguage).toBe('sr-RS');
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'Hi', context: '', target: 'Zdravo' }]);
  });

  it('reads X-Source-Language as the source language and counts words with it', async () => {
    const doc = await parseText(
      'msgid ""\nmsgstr "X-Source-Language: ja\\nLanguage: en\\n"\n\nmsgid "日本語のテキストです。"\nmsgstr "Japanese text."\n',
      'po',
    );
    expect(doc.sourceLanguage).toBe('ja');
    expect(doc.targetLanguage).toBe('en');
    expect(doc.words).toBe(4);
  });

  describe('broken catalogs name the line and the problem', () => {
    const cases: Array<[string, string, string]> = [
      ['an unterminated msgstr', 'msgid "a"\nmsgstr "b\n', 'line 2: unterminated msgstr'],
      ['an unterminated continuation', 'msgid ""\n"first\nmsgstr ""\n', 'line 2: unterminated msgid'],
      [
        'an unterminated plural form',
        'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\nmsgstr[1] "y\n',
        'line 4: unterminated msgstr[1]',
      ],
      ['a msgid without msgstr', '# comment\nmsgid "a"\n\nmsgid "b"\nmsgstr ""\n', 'line 2: msgid without msgstr'],
      ['a msgid without msgstr at the end', 'msgid "a"\nmsgstr ""\n\nmsgid "b"\n', 'line 4: msgid without msgstr'],
      ['a msgstr without msgid', 'msgstr "x"\n', 'line 1: msgstr without msgid'],
      ['a msgctxt alone', 'msgctxt "menu"\n', 'line 1: msgctxt without msgid'],
      ['msgstr[n] without msgid_plural', 'msgid "a"\nmsgstr[0] "x"\n', 'line 2: msgstr[0] without msgid_plural'],
      [
        'msgstr for a plural entry',
        'msgid "a"\nmsgid_plural "as"\nmsgstr "x"\n',
        'line 3: the entry has msgid_plural, so its translations are msgstr[0], msgstr[1]…',
      ],
      [
        'a plural entry without msgstr[0]',
        'msgid "a"\nmsgid_plural "as"\nmsgstr[1] "x"\n',
        'line 1: msgid_plural without msgstr[0]',
      ],
      ['two msgstr', 'msgid "a"\nmsgstr "x"\nmsgstr "y"\n', 'line 3: second msgstr in one entry'],
      [
        'an unknown keyword',
        'msgid "a"\nmsgstr "x"\nmsgtxt "y"\n',
        "line 3: unexpected 'msgtxt'; expected msgctxt, msgid, msgid_plural or msgstr",
      ],
      ['a keyword without a string', 'msgid "a"\nmsgstr\n', 'line 2: msgstr needs a string in double quotes'],
      [
        'text after the closing quote',
        'msgid "a" "b"\nmsgstr ""\n',
        'line 1: unexpected text after the closing quote of msgid',
      ],
      ['an invalid escape', 'msgid "a\\qb"\nmsgstr ""\n', 'line 1: invalid escape sequence \\q in msgid'],
      [
        'a stray string',
        '"orphan"\nmsgid "a"\nmsgstr ""\n',
        'line 1: a string continues nothing; expected msgid, msgstr or msgctxt before it',
      ],
      ['plain text', 'Hello world\n', "line 1: unexpected 'Hello'; expected msgctxt, msgid, msgid_plural or msgstr"],
    ];
    it.each(cases)('%s', async (_name, text, message) => {
      await expectFailure(parseText(text, 'po'), 'document_invalid', message);
    });
  });
});
