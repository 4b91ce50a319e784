import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { fixture, parseText } from './helpers.js';

describe('Markdown', () => {
  it('segments a README: headings, paragraphs, list items, table cells, alt texts; no code, URLs or front matter', async () => {
    const doc = await parseDocument(fixture('guide.md'), 'markdown');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Getting started with Jobline' },
      // Inline code and the link's URL are left out; the soft line break is a space.
      { index: 1, text: 'Jobline runs long work for your API. Install it with and read the API reference first.' },
      { index: 2, text: 'Reference' }, // the link's title
      { index: 3, text: 'A job moving from pending to done' }, // image alt text
      { index: 4, text: 'Job states' },
      { index: 5, text: 'A new job is pending.' },
      { index: 6, text: 'A worker claims it:' },
      { index: 7, text: 'it becomes;' },
      { index: 8, text: 'it reports progress.' },
      { index: 9, text: 'It ends as done or failed.' },
      { index: 10, text: 'Create a project' }, // task-list boxes are not text
      { index: 11, text: 'Create a job' },
      { index: 12, text: 'State' },
      { index: 13, text: 'Meaning' },
      { index: 14, text: 'pending' },
      { index: 15, text: 'Waiting for a worker' },
      { index: 16, text: 'done' },
      { index: 17, text: 'Finished & stored' }, // entity decoded
      { index: 18, text: 'Note: see for answers.' }, // a bare URL is not text
      { index: 19, text: 'Made with care.' }, // raw HTML block, read as HTML
      { index: 20, text: 'Contact us at.' }, // an autolink is a URL
    ]);
    expect(doc.words).toBe(4 + 16 + 1 + 7 + 2 + 5 + 4 + 2 + 3 + 6 + 3 + 3 + 1 + 1 + 1 + 4 + 1 + 2 + 4 + 3 + 3);
    expect(doc.words).toBe(76);
    expect(doc.format).toBe('markdown');
    expect(doc.sourceLanguage).toBeUndefined();
  });

  it('leaves out fenced and indented code entirely', async () => {
    const doc = await parseText(
      'Intro\n\n```js\nconst label = "Not text";\n```\n\n    indented();\n\n~~~\ntilde fence\n~~~\n',
      'markdown',
    );
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'Intro' }]);
    expect(doc.words).toBe(1);
  });

  it('keeps link text, emphasis and escaped characters, and drops inline HTML tags', async () => {
    const doc = await parseText(
      'See [the *full* guide](./guide.md) \\*now\\* <kbd>Ctrl</kbd>+C, then `run`.',
      'markdown',
    );
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'See the full guide *now* Ctrl+C, then.' }]);
  });

  it('makes image alt text its own segment, after the paragraph around it', async () => {
    const doc = await parseText(
      'Before ![Diagram of **queues**](q.png "Queues") after\n\n![](empty-alt.png)',
      'markdown',
    );
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Before after' },
      { index: 1, text: 'Diagram of queues' },
      { index: 2, text: 'Queues' },
    ]);
  });

  it('reads setext headings, nested blockquotes and headings made of entities', async () => {
    const doc = await parseText(
      'Release notes\n=============\n\n> > Deep &copy; quote\n\n### caf&eacute; &#x2615;\n',
      'markdown',
    );
    expect(doc.segments.map((segment) => segment.text)).toEqual(['Release notes', 'Deep © quote', 'café ☕']);
  });

  it('treats a document without front matter delimiters normally', async () => {
    const doc = await parseText('Title\n---\n\nText\n', 'markdown');
    expect(doc.segments.map((segment) => segment.text)).toEqual(['Title', 'Text']);
  });
});
