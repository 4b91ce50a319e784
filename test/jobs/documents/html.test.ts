import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

describe('HTML', () => {
  it('segments a page: block text, translatable attributes, no script or style, entities decoded', async () => {
    const doc = await parseDocument(fixture('pricing.html'), 'html');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Pricing – Jobline' },
      { index: 1, text: 'Home Pricing' }, // inline links share their block
      { index: 2, text: 'Main menu' }, // aria-label
      { index: 3, text: 'Plans and prices' }, // title
      { index: 4, text: 'Simple, fair pricing' },
      { index: 5, text: 'Every plan includes unlimited projects and a 30\u2011day trial.' },
      { index: 6, text: 'No credit card needed' }, // alt, after its paragraph
      { index: 7, text: 'Starter — €9 a month' },
      { index: 8, text: 'Team & Business billed yearly' },
      { index: 9, text: 'Plan' },
      { index: 10, text: 'Jobs per day' },
      { index: 11, text: 'Starter' },
      { index: 12, text: '1,000' },
      { index: 13, text: 'Powered by.' }, // translate="no" content is left out
      { index: 14, text: 'Start free trial' },
      { index: 15, text: 'you@company.com' }, // placeholder
      { index: 16, text: 'jobline jobs list' },
      { index: 17, text: '© 2025 Jobline Ltd.' },
    ]);
    expect(doc.words).toBe(2 + 2 + 2 + 3 + 3 + 10 + 4 + 4 + 4 + 1 + 3 + 1 + 1 + 2 + 3 + 2 + 3 + 3);
    expect(doc.sourceLanguage).toBe('en-GB');
    expect(doc.targetLanguage).toBeUndefined();
  });

  it('never reads script, style or comments, even when they contain markup', async () => {
    const doc = await parseText(
      '<p>Before</p><script>document.write("<p>Injected</p>")</script><style>.x::after{content:"Styled"}</style><!-- <p>Hidden</p> --><p>After</p>',
      'html',
    );
    expect(doc.segments.map((segment) => segment.text)).toEqual(['Before', 'After']);
  });

  it('splits at block elements and keeps inline ones together', async () => {
    const doc = await parseText('<div>Outer <em>text</em><div>Inner</div>tail</div><p>One<br>Two</p>', 'html');
    expect(doc.segments.map((segment) => segment.text)).toEqual(['Outer text', 'Inner', 'tail', 'One Two']);
  });

  it('keeps the line breaks of preformatted text', async () => {
    const doc = await parseText('<pre>\n  first\n  second\n</pre>', 'html');
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'first\n  second' }]);
  });

  it('reads a fragment without html or body, unclosed elements and unquoted attributes', async () => {
    const doc = await parseText('<ul><li>One<li>Two</ul><p>Open paragraph<p>Next <img alt=Logo src=x.png>', 'html');
    expect(doc.segments.map((segment) => segment.text)).toEqual(['One', 'Two', 'Open paragraph', 'Next', 'Logo']);
  });

  it('decodes named, decimal and hexadecimal character references, in text and attributes', async () => {
    const doc = await parseText(
      '<p title="&quot;Tips&quot; &amp; tricks">&lt;tag&gt; &eacute;t&eacute; &#8364;5 &#x1F600; &nbsp;</p>',
      'html',
    );
    expect(doc.segments).toStrictEqual([
      { index: 0, text: '<tag> été €5 😀' },
      { index: 1, text: '"Tips" & tricks' },
    ]);
  });

  it('reads the language of an XHTML document from xml:lang', async () => {
    const doc = await parseText(
      '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml" xml:lang="pt-BR"><body><p>Olá</p></body></html>',
      'html',
    );
    expect(doc.sourceLanguage).toBe('pt-BR');
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'Olá' }]);
  });

  it('counts a page of only markup as no segments', async () => {
    const doc = await parseText('<html><head><script>x()</script></head><body><img src="a.png"></body></html>', 'html');
    expect(doc.segments).toEqual([]);
    expect(doc.words).toBe(0);
  });

  it('accepts 512 levels of nesting and refuses more, before the parser slows down', async () => {
    const nested = (depth: number) => '<div>'.repeat(depth) + 'Deep' + '</div>'.repeat(depth);
    expect((await parseText(nested(512), 'html')).segments).toStrictEqual([{ index: 0, text: 'Deep' }]);
    await expectFailure(
      parseText(nested(513), 'html'),
      'document_invalid',
      'HTML elements are nested deeper than 512 levels',
    );
    await expectFailure(
      parseText('<b>'.repeat(500_000), 'html'),
      'document_invalid',
      'HTML elements are nested deeper than 512 levels',
    );
  });
});
