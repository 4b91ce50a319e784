import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { buildDocx, expectFailure, fixture, fixtureText, wordDocument } from './helpers.js';

describe('DOCX', () => {
  // report.docx was written by pandoc 2.17 (styles, numbering, theme and settings parts included)
  // from a Markdown report with a heading, a bold run, a bullet list, a link and a table.
  it('reads a .docx written by another program, one segment per paragraph, table cells included', async () => {
    const doc = await parseDocument(fixture('report.docx'), 'docx');
    expect(doc).toStrictEqual({
      format: 'docx',
      segments: [
        { index: 0, text: 'Quarterly report' },
        { index: 1, text: 'Jobline processed 1,204 imports this quarter, up from 870.' },
        { index: 2, text: 'Highlights' },
        { index: 3, text: 'Faster exports' },
        { index: 4, text: 'A new status page' },
        { index: 5, text: 'Region' },
        { index: 6, text: 'Jobs' },
        { index: 7, text: 'Europe' },
        { index: 8, text: '812' },
        { index: 9, text: 'Thank you for reading.' },
      ],
      words: 2 + 9 + 1 + 2 + 4 + 1 + 1 + 1 + 1 + 4,
    });
  });

  it('reads revisions, fields, tabs, breaks, text boxes and hyperlinks as Word shows them', async () => {
    const doc = await parseDocument(buildDocx(fixtureText('letter-document.xml')), 'docx');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Dear customer,' },
      // The deleted "was" is gone, the inserted "is" kept; &#160; is a no-break space.
      { index: 1, text: 'Your export is ready\u00a0& waiting.' },
      // The empty paragraph makes no segment. The field shows its result, not its code.
      { index: 2, text: 'Order:\t42\nDate:1 March 2025' },
      // The text box is read once (its VML fallback repeats it), after the paragraph it is anchored in.
      { index: 3, text: 'Visit the help centre' },
      { index: 4, text: 'Call us any time.' },
      { index: 5, text: 'Plan' },
      { index: 6, text: 'Team' },
    ]);
    expect(doc.words).toBe(2 + 5 + 6 + 4 + 4 + 1 + 1);
  });

  it('reads a stored (uncompressed) archive too', async () => {
    const bytes = Buffer.from(
      zipSync({ 'word/document.xml': strToU8(wordDocument('<w:p><w:r><w:t>Stored</w:t></w:r></w:p>')) }, { level: 0 }),
    );
    expect((await parseDocument(bytes, 'docx')).segments).toStrictEqual([{ index: 0, text: 'Stored' }]);
  });

  describe('broken files', () => {
    it('a file that is not a zip', async () => {
      await expectFailure(
        parseDocument(Buffer.from('Just text, renamed to .docx'), 'docx'),
        'document_invalid',
        'not a .docx file: it is not a zip archive',
      );
    });

    it('a truncated zip', async () => {
      const bytes = buildDocx(wordDocument('<w:p><w:r><w:t>Cut</w:t></w:r></w:p>'));
      await expectFailure(
        parseDocument(bytes.subarray(0, 60), 'docx'),
        'document_invalid',
        'not a .docx file: the zip archive is damaged (invalid zip data)',
      );
    });

    it('a zip without word/document.xml', async () => {
      const bytes = buildDocx(wordDocument(''), { mainPart: 'word/main.xml' });
      await expectFailure(
        parseDocument(bytes, 'docx'),
        'document_invalid',
        'not a .docx file: the archive has no word/document.xml',
      );
    });

    it('a legacy .doc or an encrypted document', async () => {
      const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
      await expectFailure(
        parseDocument(ole, 'docx'),
        'document_unsupported',
        'this is a Word 97–2003 .doc or a password-protected document, not a .docx; save it as an unprotected .docx',
      );
    });

    it('malformed XML in word/document.xml, by line', async () => {
      const bytes = buildDocx('<?xml version="1.0"?>\n<w:document>\n<w:body><w:p></w:body>\n</w:document>');
      await expectFailure(
        parseDocument(bytes, 'docx'),
        'document_invalid',
        "malformed XML at line 3, column 14: Expected closing tag 'w:p' (opened in line 3, col 9) instead of closing tag 'w:body'.",
      );
    });

    it('word/document.xml that is not a Word document', async () => {
      await expectFailure(
        parseDocument(buildDocx('<html><body/></html>'), 'docx'),
        'document_invalid',
        'word/document.xml is not a WordprocessingML document: its root element is <html>',
      );
    });

    it('word/document.xml in another encoding', async () => {
      const files = {
        'word/document.xml': new Uint8Array([
          ...strToU8('<w:document><w:body><w:p><w:r><w:t>caf'),
          0xe9,
          ...strToU8('</w:t></w:r></w:p></w:body></w:document>'),
        ]),
      };
      await expectFailure(
        parseDocument(Buffer.from(zipSync(files)), 'docx'),
        'document_invalid',
        'line 1: invalid UTF-8 at byte 38; save word/document.xml as UTF-8',
      );
    });

    it('an entity declaration in word/document.xml', async () => {
      const xml =
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>\n<w:document><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>';
      await expectFailure(
        parseDocument(buildDocx(xml), 'docx'),
        'document_invalid',
        'line 2: the document declares entities, which are not allowed',
      );
    });

    it('a zip bomb: word/document.xml declared larger than 200 MB', async () => {
      const bytes = buildDocx(wordDocument('<w:p><w:r><w:t>Bomb</w:t></w:r></w:p>'));
      // Rewrite the uncompressed size in the central directory entry, which is what readers trust.
      const central = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      const names = [];
      for (
        let at = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        at !== -1;
        at = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)
      ) {
        const nameLength = bytes.readUInt16LE(at + 28);
        const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('latin1');
        names.push(name);
        if (name === 'word/document.xml') bytes.writeUInt32LE(300 * 1024 * 1024, at + 24);
      }
      expect(central).toBeGreaterThan(0);
      expect(names).toContain('word/document.xml');
      await expectFailure(
        parseDocument(bytes, 'docx'),
        'document_too_large',
        'word/document.xml inflates to 314572800 bytes; the limit is 209715200',
      );
    });

    it('a zip whose entry inflates past its declared size is cut there, not trusted', async () => {
      const xml = wordDocument('<w:p><w:r><w:t>Longer than declared</w:t></w:r></w:p>');
      const bytes = Buffer.from(zipSync({ 'word/document.xml': strToU8(xml) }, { level: 6 }));
      const at = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      bytes.writeUInt32LE(40, at + 24);
      await expectFailure(parseDocument(bytes, 'docx'), 'document_invalid', /^malformed XML/);
    });
  });
});
