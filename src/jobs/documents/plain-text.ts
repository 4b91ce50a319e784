import { SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

/** A paragraph is a run of lines ended by a blank (or whitespace-only) line; its line breaks stay. */
export function parsePlainText(text: string): ParsedContent {
  const segments = new SegmentList();
  const lines = text.split(/\r\n|\r|\n/);
  let paragraph: string[] = [];
  const flush = (): void => {
    const joined = paragraph.join('\n').trim();
    if (joined !== '') segments.add(joined);
    paragraph = [];
  };
  for (const line of lines) {
    if (line.trim() === '') flush();
    else paragraph.push(line);
  }
  flush();
  return { segments: segments.items };
}
