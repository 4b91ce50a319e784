export type DocumentFormat = 'text' | 'markdown' | 'html' | 'json' | 'po' | 'xliff' | 'csv' | 'docx';

export const DOCUMENT_FORMATS: readonly DocumentFormat[] = [
  'text',
  'markdown',
  'html',
  'json',
  'po',
  'xliff',
  'csv',
  'docx',
];

/** One translatable unit, in document order; `index` is its position in `segments`. */
export interface Segment {
  index: number;
  text: string;
  /** Where the text lives: a JSON Pointer, an XLIFF unit id, a CSV key column. */
  key?: string;
  /** What disambiguates or explains the text: a PO msgctxt, XLIFF notes, a CSV column name. */
  context?: string;
  /** An existing translation (PO msgstr, XLIFF target). */
  target?: string;
}

export interface ParsedDocument {
  format: DocumentFormat;
  segments: Segment[];
  words: number;
  sourceLanguage?: string;
  targetLanguage?: string;
}

/** What a format's parser produces; parseDocument adds the format and the word count. */
export interface ParsedContent {
  segments: Segment[];
  sourceLanguage?: string;
  targetLanguage?: string;
}
