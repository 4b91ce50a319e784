import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { invalid } from './errors.js';
import { MAX_XML_DEPTH } from './limits.js';
import { lineAt } from './segments.js';

/** A node of fast-xml-parser's ordered output: an element, a text run or a CDATA section. */
export type XmlNode = Record<string, unknown>;

export interface XmlElement {
  /** The name without its namespace prefix: XLIFF and WordprocessingML are matched by local name. */
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are decoded here, after the checks below, so no declared entity is ever expanded.
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignorePiTags: true,
  ignoreDeclaration: true,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_XML_DEPTH,
});

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses well-formed XML into ordered nodes, or throws a DocumentError naming the line. Refused
 * outright: entity declarations (the "billion laughs" expansion and external entities), references
 * to entities other than XML's five and character references, more than one root element.
 */
export function parseXml(input: string): XmlElement {
  // XML processors see every line break as LF (XML 1.0 §2.11).
  const text = input.replace(/\r\n?/g, '\n');
  const markup = maskLiterals(text);

  const declaration = /<!ENTITY/.exec(markup);
  if (declaration) {
    throw invalid(`line ${lineAt(text, declaration.index)}: the document declares entities, which are not allowed`);
  }

  const result = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (result !== true) {
    // For several unclosed elements the validator prints its stack as JSON, located at line 1.
    const unclosed = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(result.err.msg);
    if (unclosed) {
      const names = (JSON.parse(unclosed[1]!) as string[]).map((name) => `<${name}>`).join(', ');
      throw invalid(`malformed XML at line ${text.split('\n').length}: the document ends before ${names} are closed`);
    }
    throw invalid(`malformed XML at line ${result.err.line}, column ${result.err.col}: ${result.err.msg}`);
  }

  for (const match of markup.matchAll(/&([^;<\s&]*);?/g)) {
    const [reference, name] = match;
    if (!reference.endsWith(';')) {
      throw invalid(`malformed XML at line ${lineAt(text, match.index)}: '&' must be written as &amp;`);
    }
    if (name! in PREDEFINED) continue;
    const code = characterReference(name!);
    if (code === undefined) {
      throw invalid(`malformed XML at line ${lineAt(text, match.index)}: unknown entity ${reference}`);
    }
    if (!isXmlChar(code)) {
      throw invalid(`malformed XML at line ${lineAt(text, match.index)}: ${reference} is not a character XML allows`);
    }
  }

  let nodes: XmlNode[];
  try {
    nodes = parser.parse(text) as XmlNode[];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalid(
      `malformed XML: ${/nested/i.test(message) ? `elements are nested deeper than ${MAX_XML_DEPTH} levels` : message}`,
      {
        cause: error,
      },
    );
  }
  const roots = nodes.map(asElement).filter((element) => element !== undefined);
  if (roots.length !== 1) {
    throw invalid(roots.length === 0 ? 'malformed XML: no root element' : 'malformed XML: more than one root element');
  }
  return roots[0]!;
}

/** The node as an element, or undefined for text, CDATA and comments. */
export function asElement(node: XmlNode): XmlElement | undefined {
  for (const key of Object.keys(node)) {
    if (key === ':@' || key === '#text' || key === '#cdata') continue;
    const rawAttributes = (node[':@'] ?? {}) as Record<string, string>;
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(rawAttributes)) attributes[name] = decodeXmlEntities(String(value));
    return { name: localName(key), attributes, children: (node[key] ?? []) as XmlNode[] };
  }
  return undefined;
}

/** The character data of a text or CDATA node, entities decoded; undefined for an element. */
export function textOf(node: XmlNode): string | undefined {
  if ('#text' in node) return decodeXmlEntities(String(node['#text']));
  if ('#cdata' in node) {
    const parts = node['#cdata'] as Array<{ '#text'?: string }>;
    return parts.map((part) => part['#text'] ?? '').join('');
  }
  return undefined;
}

export function childElements(element: XmlElement): XmlElement[] {
  return element.children.map(asElement).filter((child) => child !== undefined);
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;<\s&]*);/g, (reference, name: string) => {
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const code = characterReference(name);
    return code === undefined ? reference : String.fromCodePoint(code);
  });
}

function characterReference(name: string): number | undefined {
  const match = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
  if (!match) return undefined;
  const code = match[1] !== undefined ? parseInt(match[1], 16) : parseInt(match[2]!, 10);
  return code;
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The text with comments, CDATA sections and processing instructions blanked, line breaks kept. */
function maskLiterals(text: string): string {
  return text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g, (literal) =>
    literal.replace(/[^\n]/g, ' '),
  );
}
