import { Parser } from 'htmlparser2';
import { invalid } from './errors.js';
import { MAX_HTML_DEPTH } from './limits.js';
import { closeGaps, collapseWhitespace, GAP, SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

/** Elements whose start or end ends a run of text: each run inside them becomes one segment. */
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'head',
  'header',
  'hgroup',
  'hr',
  'html',
  'li',
  'main',
  'menu',
  'nav',
  'noscript',
  'ol',
  'optgroup',
  'option',
  'p',
  'pre',
  'section',
  'select',
  'summary',
  'table',
  'tbody',
  'td',
  'template',
  'textarea',
  'tfoot',
  'th',
  'thead',
  'title',
  'tr',
  'ul',
  'video',
  'audio',
  'iframe',
  'object',
]);

/** Raw-text elements: their content is code, never shown to a reader. */
const SKIPPED_ELEMENTS = new Set(['script', 'style']);

/** Attributes a reader sees or hears (tooltips, image descriptions, screen readers, empty fields). */
const TRANSLATABLE_ATTRIBUTES = ['alt', 'title', 'placeholder', 'aria-label'] as const;

interface OpenElement {
  name: string;
  /** Inside script/style, or under an element marked translate="no" (HTML's own opt-out). */
  skip: boolean;
  pre: boolean;
}

export function parseHtml(text: string): ParsedContent {
  const segments = new SegmentList();
  const { language } = collectHtml(text, segments);
  return language === undefined ? { segments: segments.items } : { segments: segments.items, sourceLanguage: language };
}

/**
 * Appends the segments of an HTML document or fragment (Markdown reuses it for raw HTML blocks).
 * Text is gathered across inline elements and cut at block boundaries; attribute texts follow the
 * run of text they appeared in, so a paragraph reads before the alt text of its image.
 */
export function collectHtml(html: string, segments: SegmentList): { language?: string } {
  const stack: OpenElement[] = [];
  let buffer = '';
  let bufferHasPre = false;
  let pendingAttributes: string[] = [];
  let language: string | undefined;

  const skipping = (): boolean => stack.length > 0 && stack[stack.length - 1]!.skip;
  const inPre = (): boolean => stack.length > 0 && stack[stack.length - 1]!.pre;

  const flush = (): void => {
    const gapless = closeGaps(buffer);
    const text = bufferHasPre ? gapless.trim() : collapseWhitespace(gapless);
    if (text !== '') segments.add(text);
    for (const attribute of pendingAttributes) segments.add(attribute);
    buffer = '';
    bufferHasPre = false;
    pendingAttributes = [];
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const parent = stack[stack.length - 1];
        const skip =
          (parent?.skip ?? false) || SKIPPED_ELEMENTS.has(name) || attributes.translate?.trim().toLowerCase() === 'no';
        if (skip && !(parent?.skip ?? false)) buffer += GAP;
        stack.push({ name, skip, pre: (parent?.pre ?? false) || name === 'pre' || name === 'textarea' });
        // Thrown from the callback, this stops the parser before its stack grows any deeper.
        if (stack.length > MAX_HTML_DEPTH)
          throw invalid(`HTML elements are nested deeper than ${MAX_HTML_DEPTH} levels`);
        if (BLOCK_ELEMENTS.has(name)) flush();
        if (name === 'html' && language === undefined) {
          const lang = (attributes.lang ?? attributes['xml:lang'])?.trim();
          if (lang) language = lang;
        }
        if (skip) return;
        if (name === 'br') buffer += inPre() ? '\n' : ' ';
        for (const attribute of TRANSLATABLE_ATTRIBUTES) {
          const value = attributes[attribute];
          if (value !== undefined) {
            const text = collapseWhitespace(value);
            if (text !== '') pendingAttributes.push(text);
          }
        }
      },
      ontext(data) {
        if (skipping()) return;
        if (inPre()) {
          buffer += data;
          bufferHasPre = true;
        } else {
          buffer += data.replace(/[ \t\n\r\f]+/g, ' ');
        }
      },
      onclosetag(name) {
        // htmlparser2 reports a close for every open, implied ones included, so the stack stays paired.
        if (stack[stack.length - 1]?.name === name) stack.pop();
        else {
          const index = stack.map((element) => element.name).lastIndexOf(name);
          if (index !== -1) stack.length = index;
        }
        if (BLOCK_ELEMENTS.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return language === undefined ? {} : { language };
}
