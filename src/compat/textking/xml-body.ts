import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { badInput } from './request-input.js';

// TextKing takes request bodies in XML as well as JSON (`Content-Type: application/xml`): the root
// element's children are the members.

const DOCTYPE = /<!DOCTYPE/i;
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** XML values are text: `true`/`false` are booleans, an empty element is null. */
function fromXml(value: unknown): unknown {
  if (value === '') return null;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromXml(v)]));
  return value;
}

export function acceptXmlBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) => {
    const text = body.toString();
    // fast-xml-parser expands the entities an internal DOCTYPE declares (a name `&a;` became its
    // expansion, and nested entities multiply); TextKing's bodies never need one, so none is read.
    if (DOCTYPE.test(text)) return done(badInput('XML bodies must not contain a DOCTYPE declaration.'), undefined);
    try {
      const parsed = xml.parse(text) as Record<string, unknown>;
      const root = Object.keys(parsed).find((k) => k !== '?xml');
      done(null, root === undefined ? {} : fromXml(parsed[root]));
    } catch {
      done(badInput('The XML body is not well-formed.'), undefined);
    }
  });
}
