import { DocumentError, invalid } from './errors.js';
import { collapseWhitespace, SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';
import { asElement, childElements, parseXml, textOf, type XmlElement, type XmlNode } from './xml.js';

/**
 * XLIFF 1.x: each <trans-unit> (inside <file>/<body>, groups included) is a segment with its
 * <source> as text, <target> as target, id as key and <note>s as context; <file source-language
 * target-language> gives the languages. XLIFF 2.x: each <segment> of a <unit> is a segment, keyed by
 * the unit id (with "/<segment id>" when the unit has several segments); <xliff srcLang trgLang>
 * gives the languages. Units and groups marked translate="no" are left out. Whitespace is collapsed
 * unless xml:space="preserve" says otherwise.
 */
export function parseXliff(text: string): ParsedContent {
  const root = parseXml(text);
  if (root.name !== 'xliff')
    throw invalid(`not an XLIFF document: the root element is <${root.name}>, expected <xliff>`);
  const version = root.attributes.version?.trim();
  if (version === undefined || version === '') throw invalid('the <xliff> element has no version attribute');
  const segments = new SegmentList();
  if (/^1\.[0-2]$/.test(version)) return readVersion1(root, segments);
  if (/^2\.[0-2]$/.test(version)) return readVersion2(root, segments);
  throw new DocumentError(
    'document_unsupported',
    `XLIFF version ${version} is not supported (1.0–1.2 and 2.0–2.2 are)`,
  );
}

interface Scope {
  preserve: boolean;
}

function scopeOf(element: XmlElement, parent: Scope): Scope {
  const space = element.attributes['xml:space'];
  return { preserve: space === undefined ? parent.preserve : space === 'preserve' };
}

function withLanguages(segments: SegmentList, source: string | undefined, target: string | undefined): ParsedContent {
  return {
    segments: segments.items,
    ...(source !== undefined && source !== '' && { sourceLanguage: source }),
    ...(target !== undefined && target !== '' && { targetLanguage: target }),
  };
}

// ---- XLIFF 1.2 ----

/** Inline elements holding native code (tags of the original format), not text to translate. */
const V1_CODE_ELEMENTS = new Set(['bpt', 'ept', 'ph', 'it']);

function readVersion1(root: XmlElement, segments: SegmentList): ParsedContent {
  let sourceLanguage: string | undefined;
  let targetLanguage: string | undefined;
  const files = childElements(root).filter((element) => element.name === 'file');
  if (files.length === 0) throw invalid('XLIFF 1.2 document without a <file> element');
  const rootScope = scopeOf(root, { preserve: false });
  for (const file of files) {
    sourceLanguage ??= file.attributes['source-language']?.trim();
    targetLanguage ??= file.attributes['target-language']?.trim();
    const fileScope = scopeOf(file, rootScope);
    for (const body of childElements(file).filter((element) => element.name === 'body')) {
      readV1Container(body, scopeOf(body, fileScope), segments);
    }
  }
  return withLanguages(segments, sourceLanguage, targetLanguage);
}

function readV1Container(container: XmlElement, scope: Scope, segments: SegmentList): void {
  for (const element of childElements(container)) {
    if (element.attributes.translate === 'no') continue;
    if (element.name === 'group') readV1Container(element, scopeOf(element, scope), segments);
    else if (element.name === 'trans-unit') readTransUnit(element, scopeOf(element, scope), segments);
  }
}

function readTransUnit(unit: XmlElement, scope: Scope, segments: SegmentList): void {
  const children = childElements(unit);
  const source = children.find((child) => child.name === 'source');
  const id = unit.attributes.id;
  if (!source) throw invalid(`XLIFF <trans-unit${id === undefined ? '' : ` id="${id}"`}> has no <source>`);
  const text = inlineText(source, scopeOf(source, scope), 1);
  if (text.trim() === '') return;
  const target = children.find((child) => child.name === 'target');
  const targetText = target ? inlineText(target, scopeOf(target, scope), 1) : '';
  const notes = children
    .filter((child) => child.name === 'note')
    .map((note) => collapseWhitespace(inlineText(note, { preserve: false }, 1)));
  segments.add(text, {
    key: id,
    target: targetText === '' ? undefined : targetText,
    context: notes.length > 0 ? notes.filter((note) => note !== '').join('\n') || undefined : undefined,
  });
}

// ---- XLIFF 2.x ----

function readVersion2(root: XmlElement, segments: SegmentList): ParsedContent {
  const files = childElements(root).filter((element) => element.name === 'file');
  if (files.length === 0) throw invalid('XLIFF 2 document without a <file> element');
  const rootScope = scopeOf(root, { preserve: false });
  for (const file of files) readV2Container(file, scopeOf(file, rootScope), segments);
  return withLanguages(segments, root.attributes.srcLang?.trim(), root.attributes.trgLang?.trim());
}

function readV2Container(container: XmlElement, scope: Scope, segments: SegmentList): void {
  for (const element of childElements(container)) {
    if (element.attributes.translate === 'no') continue;
    if (element.name === 'group') readV2Container(element, scopeOf(element, scope), segments);
    else if (element.name === 'unit') readUnit(element, scopeOf(element, scope), segments);
  }
}

function readUnit(unit: XmlElement, scope: Scope, segments: SegmentList): void {
  const children = childElements(unit);
  const id = unit.attributes.id;
  const notes = children
    .filter((child) => child.name === 'notes')
    .flatMap((notesElement) => childElements(notesElement).filter((child) => child.name === 'note'))
    .map((note) => collapseWhitespace(inlineText(note, { preserve: false }, 2)))
    .filter((note) => note !== '');
  const context = notes.length > 0 ? notes.join('\n') : undefined;
  // <ignorable> holds the whitespace between segments: never translated.
  const parts = children.filter((child) => child.name === 'segment');
  parts.forEach((segment, position) => {
    const segmentScope = scopeOf(segment, scope);
    const segmentChildren = childElements(segment);
    const source = segmentChildren.find((child) => child.name === 'source');
    if (!source) throw invalid(`XLIFF <unit${id === undefined ? '' : ` id="${id}"`}> has a <segment> without <source>`);
    const text = inlineText(source, scopeOf(source, segmentScope), 2);
    if (text.trim() === '') return;
    const target = segmentChildren.find((child) => child.name === 'target');
    const targetText = target ? inlineText(target, scopeOf(target, segmentScope), 2) : '';
    const key = id === undefined ? undefined : parts.length > 1 ? `${id}/${segment.attributes.id ?? position + 1}` : id;
    segments.add(text, { key, context, target: targetText === '' ? undefined : targetText });
  });
}

// ---- inline content ----

/**
 * The translatable text of a <source>, <target> or <note>. Paired inline tags (<g>, <pc>, <mrk>) give
 * their text; placeholders (<x/>, <bx/>, <ex/>, <ph/>, <sc/>, <ec/>, <sm/>, <em/>) have none; XLIFF 1.2
 * code elements (<bpt>, <ept>, <ph>, <it>) hold the original format's markup, which is not text; a
 * 2.x <cp hex="…"/> stands for a character XML cannot carry.
 */
function inlineText(element: XmlElement, scope: Scope, version: 1 | 2): string {
  const raw = collectInline(element.children, version);
  return scope.preserve ? raw : collapseWhitespace(raw);
}

function collectInline(nodes: XmlNode[], version: 1 | 2): string {
  let out = '';
  for (const node of nodes) {
    const text = textOf(node);
    if (text !== undefined) {
      out += text;
      continue;
    }
    const element = asElement(node);
    if (!element) continue;
    if (version === 1 && V1_CODE_ELEMENTS.has(element.name)) continue;
    if (version === 2 && element.name === 'cp') {
      const code = parseInt(element.attributes.hex ?? '', 16);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) out += String.fromCodePoint(code);
      continue;
    }
    out += collectInline(element.children, version);
  }
  return out;
}
