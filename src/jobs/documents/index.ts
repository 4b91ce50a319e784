// Document parsers behind the document-import job type: bytes in, translatable segments and a word
// count out. Pure functions, no I/O; every failure is a DocumentError with a code and a located message.
import { parseCsv } from './csv.js';
import { parseDocx } from './docx.js';
import { decodeText } from './encoding.js';
import { DocumentError, invalid } from './errors.js';
import { parseHtml } from './html.js';
import { parseJson } from './json.js';
import { MAX_DOCUMENT_BYTES } from './limits.js';
import { parseMarkdown } from './markdown.js';
import { parsePlainText } from './plain-text.js';
import { parsePo } from './po.js';
import type { DocumentFormat, ParsedContent, ParsedDocument } from './types.js';
import { countWordsInAll } from './words.js';
import { parseXliff } from './xliff.js';

export { detectFormat } from './formats.js';
export { countWords } from './words.js';
export { DocumentError } from './errors.js';
export type { DocumentErrorCode } from './errors.js';
export { DOCUMENT_FORMATS } from './types.js';
export type { DocumentFormat, ParsedDocument, Segment } from './types.js';
export { MAX_DOCUMENT_BYTES, MAX_SEGMENTS } from './limits.js';

const TEXT_PARSERS: Record<Exclude<DocumentFormat, 'docx'>, (text: string) => ParsedContent> = {
  text: parsePlainText,
  markdown: parseMarkdown,
  html: parseHtml,
  json: parseJson,
  po: parsePo,
  xliff: parseXliff,
  csv: parseCsv,
};

/** Throws DocumentError (with a message that says what is wrong and where, e.g. "line 12: unterminated msgstr") for broken input. */
export async function parseDocument(bytes: Buffer, format: DocumentFormat): Promise<ParsedDocument> {
  if (format !== 'docx' && !Object.hasOwn(TEXT_PARSERS, format)) {
    throw new DocumentError('document_unsupported', `unsupported document format ${JSON.stringify(format)}`);
  }
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new DocumentError(
      'document_too_large',
      `the document is ${bytes.length} bytes; documents of up to ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MB (${MAX_DOCUMENT_BYTES} bytes) are accepted`,
    );
  }
  if (bytes.length === 0) throw invalid('the document is empty');
  const content = format === 'docx' ? parseDocx(bytes) : TEXT_PARSERS[format](decodeText(bytes));
  // Words are counted in the source language when the document names it (segmentation of Thai or
  // Japanese depends on it); targets are not counted: they are what the translation will replace.
  const words = countWordsInAll(
    content.segments.map((segment) => segment.text),
    content.sourceLanguage,
  );
  return {
    format,
    segments: content.segments,
    words,
    ...(content.sourceLanguage !== undefined && { sourceLanguage: content.sourceLanguage }),
    ...(content.targetLanguage !== undefined && { targetLanguage: content.targetLanguage }),
  };
}
