import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { collectHtml } from './html.js';
import { closeGaps, collapseWhitespace, GAP, SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

// CommonMark plus GFM tables; linkify marks bare URLs as links so they can be left out like any URL.
// Raw HTML is recognised (and its text extracted) rather than read as literal text.
const markdown = new MarkdownIt('default', { html: true, linkify: true });

/** YAML front matter (Jekyll, Hugo, Docusaurus) holds configuration, not prose. */
const FRONT_MATTER = /^---[ \t]*\r?\n[\s\S]*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/** GFM task-list boxes at the start of a list item's text. */
const TASK_BOX = /^\[[ xX]\]\s+/;

/**
 * Segments: the inline text of headings, paragraphs (list items and blockquotes included) and table
 * cells, then the alt texts and titles of the images and links inside them. Code blocks, inline code,
 * URLs (link targets, autolinks, bare URLs) and HTML tags are not translatable; raw HTML blocks are
 * read as HTML.
 */
export function parseMarkdown(text: string): ParsedContent {
  const segments = new SegmentList();
  const source = text.replace(FRONT_MATTER, '');
  const tokens = markdown.parse(source, {});
  let inListItem = 0;
  let firstInlineOfItem = false;
  for (const token of tokens) {
    switch (token.type) {
      case 'list_item_open':
        inListItem++;
        firstInlineOfItem = true;
        break;
      case 'list_item_close':
        inListItem--;
        break;
      case 'inline': {
        const { text: inlineText, extras } = inlineContent(token.children ?? []);
        let content = collapseWhitespace(closeGaps(inlineText));
        if (inListItem > 0 && firstInlineOfItem) content = content.replace(TASK_BOX, '');
        firstInlineOfItem = false;
        if (content !== '') segments.add(content);
        for (const extra of extras) segments.add(extra);
        break;
      }
      case 'html_block':
        collectHtml(token.content, segments);
        break;
      default:
        // fence and code_block are code; hr, space and the structural *_open/_close tokens hold no text.
        break;
    }
  }
  return { segments: segments.items };
}

/** The readable text of an inline run, and the alt texts and titles found in it, in order. */
function inlineContent(children: Token[]): { text: string; extras: string[] } {
  let text = '';
  const extras: string[] = [];
  // Inside a link whose visible text is its URL (autolink, bare URL), nothing is translatable.
  let urlLinkDepth = 0;
  for (const child of children) {
    switch (child.type) {
      case 'text':
        if (urlLinkDepth === 0) text += child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        text += ' ';
        break;
      case 'link_open': {
        if (child.markup === 'autolink' || child.markup === 'linkify') urlLinkDepth++;
        const title = child.attrGet('title');
        if (title) extras.push(collapseWhitespace(String(title)));
        break;
      }
      case 'link_close':
        if (child.markup === 'autolink' || child.markup === 'linkify') urlLinkDepth--;
        break;
      case 'image': {
        // The alt text is the plain text of the image description, emphasis and all.
        const alt = collapseWhitespace(plainText(child.children ?? []));
        if (alt !== '') extras.push(alt);
        const title = child.attrGet('title');
        if (title) extras.push(collapseWhitespace(String(title)));
        break;
      }
      case 'code_inline':
        text += GAP;
        break;
      default:
        // html_inline is markup; emphasis markers carry no text.
        break;
    }
    if (urlLinkDepth > 0 && child.type === 'link_open') text += GAP;
  }
  return { text, extras: extras.filter((extra) => extra !== '') };
}

function plainText(children: Token[]): string {
  let text = '';
  for (const child of children) {
    if (child.type === 'text' || child.type === 'code_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
    else if (child.type === 'image') text += plainText(child.children ?? []);
  }
  return text;
}
