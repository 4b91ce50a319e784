import { unzipSync } from 'fflate';
import { decodeText } from './encoding.js';
import { DocumentError, invalid } from './errors.js';
import { MAX_DOCX_XML_BYTES } from './limits.js';
import { SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';
import { asElement, parseXml, textOf, type XmlElement, type XmlNode } from './xml.js';

const MAIN_PART = 'word/document.xml';

/** The compound-file signature of Word 97–2003 .doc files and of password-protected .docx files. */
const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * Word (.docx): each paragraph (<w:p>) of word/document.xml with text is a segment, in document
 * order, table cells and text boxes included. Runs' text (<w:t>) joins; tabs and breaks become
 * whitespace; deleted revisions (<w:delText>), field codes (<w:instrText>) and the fallback copy of
 * drawings (<mc:Fallback>, which repeats <mc:Choice>) are not text a reader sees.
 * Headers, footers, footnotes and comments (other parts of the package) are not read.
 */
export function parseDocx(bytes: Uint8Array): ParsedContent {
  const xml = readMainPart(bytes);
  const root = parseXml(decodeText(xml, MAIN_PART));
  if (root.name !== 'document')
    throw invalid(`${MAIN_PART} is not a WordprocessingML document: its root element is <${root.name}>`);
  const segments = new SegmentList();
  collectParagraphs(root.children, segments);
  return { segments: segments.items };
}

function readMainPart(bytes: Uint8Array): Uint8Array {
  if (OLE_SIGNATURE.every((byte, i) => bytes[i] === byte)) {
    throw new DocumentError(
      'document_unsupported',
      'this is a Word 97–2003 .doc or a password-protected document, not a .docx; save it as an unprotected .docx',
    );
  }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw invalid('not a .docx file: it is not a zip archive');
  let declaredSize: number | undefined;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(file) {
        if (file.name !== MAIN_PART) return false;
        declaredSize = file.originalSize;
        // The inflated size is what the archive declares; fflate writes no further, so a lie truncates.
        return file.originalSize <= MAX_DOCX_XML_BYTES;
      },
    });
  } catch (error) {
    throw invalid(
      `not a .docx file: the zip archive is damaged (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  if (declaredSize === undefined) throw invalid(`not a .docx file: the archive has no ${MAIN_PART}`);
  if (declaredSize > MAX_DOCX_XML_BYTES) {
    throw new DocumentError(
      'document_too_large',
      `${MAIN_PART} inflates to ${declaredSize} bytes; the limit is ${MAX_DOCX_XML_BYTES}`,
    );
  }
  return files[MAIN_PART]!;
}

/** Elements whose content is never shown as the document's text. */
const SKIPPED = new Set(['delText', 'instrText', 'delInstrText', 'Fallback', 'sectPr', 'pPr', 'rPr']);

function collectParagraphs(nodes: XmlNode[], segments: SegmentList): void {
  for (const node of nodes) {
    const element = asElement(node);
    if (!element || SKIPPED.has(element.name)) continue;
    if (element.name === 'p') readParagraph(element, segments);
    else collectParagraphs(element.children, segments);
  }
}

/**
 * A paragraph's text; paragraphs nested in it (a text box anchored in one of its runs) become their
 * own segments, after it.
 */
function readParagraph(paragraph: XmlElement, segments: SegmentList): void {
  const nested: XmlElement[] = [];
  const text = paragraphText(paragraph.children, nested);
  if (text.trim() !== '') segments.add(text.trim());
  for (const inner of nested) readParagraph(inner, segments);
}

function paragraphText(nodes: XmlNode[], nested: XmlElement[]): string {
  let out = '';
  for (const node of nodes) {
    const element = asElement(node);
    if (!element || SKIPPED.has(element.name)) continue;
    switch (element.name) {
      case 't':
        out += element.children.map((child) => textOf(child) ?? '').join('');
        break;
      case 'tab':
      case 'ptab':
        out += '\t';
        break;
      case 'br':
      case 'cr':
        out += '\n';
        break;
      case 'noBreakHyphen':
        out += '\u2011';
        break;
      case 'p':
        nested.push(element);
        break;
      default:
        out += paragraphText(element.children, nested);
    }
  }
  return out;
}
