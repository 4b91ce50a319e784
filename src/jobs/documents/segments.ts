import { DocumentError } from './errors.js';
import { MAX_SEGMENTS } from './limits.js';
import type { Segment } from './types.js';

export interface SegmentFields {
  key?: string | undefined;
  context?: string | undefined;
  target?: string | undefined;
}

/** Collects segments in order and stops a document that would make more than MAX_SEGMENTS. */
export class SegmentList {
  readonly items: Segment[] = [];

  add(text: string, fields: SegmentFields = {}): void {
    if (this.items.length >= MAX_SEGMENTS) {
      throw new DocumentError('document_too_large', `the document has more than ${MAX_SEGMENTS} segments`);
    }
    // Absent fields stay absent rather than undefined, so segments compare and serialize cleanly.
    const segment: Segment = { index: this.items.length, text };
    if (fields.key !== undefined) segment.key = fields.key;
    if (fields.context !== undefined) segment.context = fields.context;
    if (fields.target !== undefined) segment.target = fields.target;
    this.items.push(segment);
  }
}

/** Marks where untranslatable text (code, a URL) was left out; NUL never survives decoding. */
export const GAP = '\u0000';

/** Removes the marks; "it becomes `running`;" reads "it becomes;" rather than "it becomes ;". */
export function closeGaps(text: string): string {
  if (!text.includes(GAP)) return text;
  const parts = text.split(GAP);
  const kept: string[] = [parts[0]!];
  for (const part of parts.slice(1)) {
    if (/^[.,;:!?)\]]/.test(part)) {
      // Trim only the pieces before this gap, so many gaps in one paragraph stay linear.
      while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
      if (kept.length > 0) kept[kept.length - 1] = kept[kept.length - 1]!.trimEnd();
    }
    kept.push(part);
  }
  return kept.join('');
}

/** Collapses runs of whitespace the way a browser renders text, then trims. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[ \t\n\r\f\v]+/g, ' ').trim();
}

/** 1-based line of an offset in a text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
