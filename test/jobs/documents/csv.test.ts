import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/jobs/documents/index.js';
import { expectFailure, fixture, parseText } from './helpers.js';

describe('CSV', () => {
  it('reads the source column with keys, targets and comments; quoted commas, doubled quotes and CRLF inside fields', async () => {
    const doc = await parseDocument(fixture('strings.csv'), 'csv');
    expect(doc).toStrictEqual({
      format: 'csv',
      segments: [
        { index: 0, text: 'Welcome home', key: 'home.title', context: 'Page title', target: 'Willkommen' },
        { index: 1, text: 'Jobs run in the background, even when you close the page.', key: 'home.intro' },
        { index: 2, text: 'She said "hello" twice', key: 'home.quote', context: 'Quotes are doubled' },
        { index: 3, text: 'Line one\r\nLine two', key: 'home.address' },
        // home.empty has no source text; the blank line is no row.
      ],
      words: 2 + 11 + 4 + 4,
    });
  });

  it('without a source-like column, translates every cell but the id column, named by its column', async () => {
    const doc = await parseDocument(fixture('glossary.csv'), 'csv');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Save', key: 'save', context: 'en' },
      { index: 1, text: 'Enregistrer', key: 'save', context: 'fr' },
      { index: 2, text: 'Cancel', key: 'cancel', context: 'en' },
    ]);
    expect(doc.words).toBe(3);
  });

  it('matches column names case-insensitively, prefers key over id, and takes every source-like column', async () => {
    const doc = await parseText('ID,KEY,Text,String,Notes\n7,k1,Hello,Bonjour,ignored\n', 'csv');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'Hello', key: 'k1', context: 'Text' },
      { index: 1, text: 'Bonjour', key: 'k1', context: 'String' },
    ]);
  });

  it('translates every non-empty cell of a table with neither key nor source column', async () => {
    const doc = await parseText('Question,Answer\nWhat is a job?,A unit of work.\n,Only an answer\n', 'csv');
    expect(doc.segments).toStrictEqual([
      { index: 0, text: 'What is a job?', context: 'Question' },
      { index: 1, text: 'A unit of work.', context: 'Answer' },
      { index: 2, text: 'Only an answer', context: 'Answer' },
    ]);
  });

  it('reads tab- and semicolon-separated files, ragged rows and a last line without a line break', async () => {
    const tabs = await parseText('key\tvalue\ngreeting\tHello, world\nshort\n', 'csv');
    expect(tabs.segments).toStrictEqual([{ index: 0, text: 'Hello, world', key: 'greeting' }]);
    const semicolons = await parseText('key;value;extra\na;"x;y";z;overflow', 'csv');
    expect(semicolons.segments).toStrictEqual([{ index: 0, text: 'x;y', key: 'a' }]);
  });

  it('accepts spaces before an opening quote and a quoted empty field', async () => {
    const doc = await parseText('key, value\nk1, "Quoted, with comma"\nk2,""\n', 'csv');
    expect(doc.segments).toStrictEqual([{ index: 0, text: 'Quoted, with comma', key: 'k1' }]);
  });

  it('has no segments when only the header is there', async () => {
    const doc = await parseText('key,source\r\n', 'csv');
    expect(doc.segments).toEqual([]);
    expect(doc.words).toBe(0);
  });

  describe('broken files name the line', () => {
    it('an unterminated quoted field, by the line it opens on', async () => {
      await expectFailure(
        parseText('key,source\na,"ok"\nb,"never\nclosed\n', 'csv'),
        'document_invalid',
        'line 3: unterminated quoted field',
      );
    });
    it('a quote inside an unquoted field', async () => {
      await expectFailure(
        parseText('key,source\na,5" screen\n', 'csv'),
        'document_invalid',
        'line 2: a quote inside an unquoted field; quote the whole field and double the quote',
      );
    });
    it('text after a closing quote, counting line breaks inside quoted fields', async () => {
      await expectFailure(
        parseText('key,source\na,"multi\r\nline"\nb,"x"y\n', 'csv'),
        'document_invalid',
        'line 4: unexpected "y" after the closing quote of a field',
      );
    });
  });
});
