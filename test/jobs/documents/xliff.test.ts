import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

const v12 = (units: string, fileAttributes = 'source-language="en" target-language="es"') =>
  `<?xml version="1.0"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file ${fileAttributes} datatype="plaintext" original="x">\n<body>\n${units}\n</body>\n</file>\n</xliff>\n`;

describe('XLIFF 1.2', () => {
  it('reads trans-units with targets, notes, groups, inline tags, preserved space and CDATA', async () => {
    const doc = await parseDocument(fixture('app.fr.xlf'), 'xliff');
    expect(doc).toStrictEqual({
      format: 'xliff',
      sourceLanguage: 'en-US',
      targetLanguage: 'fr-FR',
      segments: [
        // <g> keeps its text.
        {
          index: 0,
          text: 'Welcome to Jobline!',
          key: 'welcome.title',
          context: 'Shown on the home page',
          target: 'Bienvenue sur Jobline !',
        },
        // <x/> has no text and <ph> holds the original's markup; an empty <target/> is no translation.
        { index: 1, text: 'You have jobs & 2 projects.', key: 'jobs.count' },
        // Inside a <group>; the line break and indentation collapse.
        { index: 2, text: 'Save changes', key: 'buttons.save', target: 'Enregistrer les modifications' },
        // <bpt>/<ept> hold markup; <alt-trans> proposals are not the unit's text.
        { index: 3, text: 'Open the documentation', key: 'buttons.link' },
        // translate="no" leaves "brand" out; xml:space="preserve" keeps the spaces.
        { index: 4, text: '  npx jobline  ', key: 'code.sample' },
        // CDATA is literal text; character references are decoded.
        { index: 5, text: 'Use <b>bold</b> & italics', key: 'cdata', target: 'Utilisez \u201cgras\u201d' },
      ],
      words: 3 + 5 + 2 + 3 + 2 + 5,
    });
  });

  it('counts words with the source language', async () => {
    const doc = await parseText(
      v12('<trans-unit id="1"><source>我喜欢学习中文</source></trans-unit>', 'source-language="zh-CN"'),
      'xliff',
    );
    expect(doc.sourceLanguage).toBe('zh-CN');
    expect(doc.targetLanguage).toBeUndefined();
    expect(doc.words).toBe(4);
  });

  it('reads every <file> and takes the languages of the first', async () => {
    const text = `<xliff version="1.2"><file source-language="en" target-language="it" original="a"><body><trans-unit id="a1"><source>One</source></trans-unit></body></file><file source-language="en" target-language="pt" original="b"><body><trans-unit id="b1"><source>Two</source></trans-unit></body></file></xliff>`;
    const doc = await parseText(text, 'xliff');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'One', key: 'a1' },
      { index: 1, text: 'Two', key: 'b1' },
    ]);
    expect(doc.targetLanguage).toBe('it');
  });

  it('reads a namespace-prefixed document', async () => {
    const text = `<x:xliff xmlns:x="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><x:file source-language="en" original="a"><x:body><x:trans-unit id="1"><x:source>Prefixed</x:source></x:trans-unit></x:body></x:file></x:xliff>`;
    expect((await parseText(text, 'xliff')).segments).toStrictEqual([{ index: 0, text: 'Prefixed', key: '1' }]);
  });

  it('refuses a trans-unit without source', async () => {
    await expectFailure(
      parseText(v12('<trans-unit id="t9"><target>Solo</target></trans-unit>'), 'xliff'),
      'document_invalid',
      'XLIFF <trans-unit id="t9"> has no <source>',
    );
  });
});

describe('XLIFF 2.0', () => {
  it('reads units and their segments, notes, groups, inline codes and <cp>', async () => {
    const doc = await parseDocument(fixture('app.de.xlf'), 'xliff');
    expect(doc).toStrictEqual({
      format: 'xliff',
      sourceLanguage: 'en',
      targetLanguage: 'de',
      segments: [
        {
          index: 0,
          text: 'Hello world!',
          key: 'greeting',
          context: 'Greeting on the dashboard',
          target: 'Hallo Welt!',
        },
        // A unit of two segments keys each by segment id; <ignorable> is not translated.
        { index: 1, text: 'The job failed.', key: 'errors.retry/1', target: 'Der Auftrag ist fehlgeschlagen.' },
        { index: 2, text: 'It will run again in minutes.', key: 'errors.retry/2' },
        // translate="no" leaves errors.code out; <cp hex="0009"/> is a tab, collapsed like any space.
        { index: 3, text: 'Tab separated value <ok>', key: 'special' },
      ],
      words: 2 + 3 + 6 + 4,
    });
  });

  it('keys unnamed segments of a multi-segment unit by position', async () => {
    const text = `<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"><file id="f"><unit id="u"><segment><source>First.</source></segment><segment><source>Second.</source></segment></unit></file></xliff>`;
    expect((await parseText(text, 'xliff')).segments).toStrictEqual([
      { index: 0, text: 'First.', key: 'u/1' },
      { index: 1, text: 'Second.', key: 'u/2' },
    ]);
  });

  it('refuses an XLIFF version it does not know', async () => {
    await expectFailure(
      parseText('<xliff version="3.0"><file/></xliff>', 'xliff'),
      'document_unsupported',
      'XLIFF version 3.0 is not supported (1.0–1.2 and 2.0–2.2 are)',
    );
    await expectFailure(
      parseText('<xliff><file/></xliff>', 'xliff'),
      'document_invalid',
      'the <xliff> element has no version attribute',
    );
  });
});

describe('broken or hostile XML', () => {
  it('names the line and column of a mismatched tag', async () => {
    await expectFailure(
      parseText(v12('<trans-unit id="1">\n<source>Open <g id="1">bold</source>\n</trans-unit>'), 'xliff'),
      'document_invalid',
      "malformed XML at line 6, column 28: Expected closing tag 'g' (opened in line 6, col 14) instead of closing tag 'source'.",
    );
  });

  it('names the line of an unclosed element and of a bare ampersand', async () => {
    await expectFailure(
      parseText('<xliff version="1.2">\n<file>\n', 'xliff'),
      'document_invalid',
      'malformed XML at line 3: the document ends before <xliff>, <file> are closed',
    );
    await expectFailure(
      parseText('<xliff version="1.2">\n<file/>\n', 'xliff'),
      'document_invalid',
      "malformed XML at line 1, column 1: Unclosed tag 'xliff'.",
    );
    await expectFailure(
      parseText(v12('<trans-unit id="1"><source>Fish & chips</source></trans-unit>'), 'xliff'),
      'document_invalid',
      "malformed XML at line 5, column 33: char '&' is not expected.",
    );
  });

  it('refuses entity declarations instead of expanding them (billion laughs)', async () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE xliff [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<xliff version="1.2"><file source-language="en"><body><trans-unit id="1"><source>&lol2;</source></trans-unit></body></file></xliff>`;
    await expectFailure(
      parseText(laughs, 'xliff'),
      'document_invalid',
      'line 3: the document declares entities, which are not allowed',
    );
  });

  it('refuses external entities', async () => {
    const external = `<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n<xliff version="1.2"><file><body><trans-unit id="1"><source>&secret;</source></trans-unit></body></file></xliff>`;
    await expectFailure(
      parseText(external, 'xliff'),
      'document_invalid',
      'line 2: the document declares entities, which are not allowed',
    );
  });

  it('allows a DOCTYPE that declares no entities, and "<!ENTITY" inside a comment', async () => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE xliff PUBLIC "-//XLIFF//DTD XLIFF//EN" "http://www.oasis-open.org/committees/xliff/documents/xliff.dtd">\n<!-- <!ENTITY not "declared"> -->\n<xliff version="1.2"><file source-language="en"><body><trans-unit id="1"><source>Fine</source></trans-unit></body></file></xliff>`;
    expect((await parseText(text, 'xliff')).segments).toStrictEqual([{ index: 0, text: 'Fine', key: '1' }]);
  });

  it('refuses references to undeclared entities and to characters XML forbids', async () => {
    await expectFailure(
      parseText(v12('<trans-unit id="1"><source>&nbsp;</source></trans-unit>'), 'xliff'),
      'document_invalid',
      'malformed XML at line 5: unknown entity &nbsp;',
    );
    await expectFailure(
      parseText(v12('<trans-unit id="1"><source>&#0;</source></trans-unit>'), 'xliff'),
      'document_invalid',
      'malformed XML at line 5: &#0; is not a character XML allows',
    );
  });

  it('refuses elements nested deeper than 256 levels', async () => {
    const deep = `<xliff version="1.2"><file><body><trans-unit id="1"><source>${'<g>'.repeat(300)}x${'</g>'.repeat(300)}</source></trans-unit></body></file></xliff>`;
    await expectFailure(
      parseText(deep, 'xliff'),
      'document_invalid',
      'malformed XML: elements are nested deeper than 256 levels',
    );
  });

  it('refuses XML that is not XLIFF, text that is not XML, and two roots', async () => {
    await expectFailure(
      parseText('<?xml version="1.0"?>\n<resources><string name="a">A</string></resources>', 'xliff'),
      'document_invalid',
      'not an XLIFF document: the root element is <resources>, expected <xliff>',
    );
    await expectFailure(
      parseText('Just some words', 'xliff'),
      'document_invalid',
      "malformed XML at line 1, column 1: char 'J' is not expected.",
    );
    await expectFailure(
      parseText('<xliff version="1.2"/><xliff version="1.2"/>', 'xliff'),
      'document_invalid',
      'malformed XML: more than one root element',
    );
  });
});
