import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { expect } from 'vitest';
import { DocumentError, parseDocument, type DocumentFormat } from '../../../src/jobs/documents/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/documents/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

export function fixtureText(name: string): string {
  return fixture(name).toString('utf8');
}

/** Parses a document written inline in a test. */
export function parseText(text: string, format: DocumentFormat) {
  return parseDocument(Buffer.from(text, 'utf8'), format);
}

/** Expects parsing to fail with this code and exactly this message. */
export async function expectFailure(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'parsing should have failed').toBeInstanceOf(DocumentError);
  const documentError = error as DocumentError;
  expect(documentError.code).toBe(code);
  if (typeof message === 'string') expect(documentError.message).toBe(message);
  else expect(documentError.message).toMatch(message);
}

/**
 * A .docx package as Word writes one: content types, the package relationship pointing at the main
 * part, and word/document.xml. Extra parts (or a different main part name) make broken packages.
 */
export function buildDocx(
  documentXml: string,
  options: { mainPart?: string; extraParts?: Record<string, string> } = {},
): Buffer {
  const mainPart = options.mainPart ?? 'word/document.xml';
  const files: Zippable = {
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/${mainPart}" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
        '</Types>',
    ),
    '_rels/.rels': strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${mainPart}"/>` +
        '</Relationships>',
    ),
    [mainPart]: strToU8(documentXml),
  };
  for (const [name, content] of Object.entries(options.extraParts ?? {})) files[name] = strToU8(content);
  return Buffer.from(zipSync(files, { level: 6 }));
}

export const WORD_NAMESPACE = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A minimal document.xml whose body is `body`. */
export function wordDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${WORD_NAMESPACE}><w:body>${body}</w:body></w:document>`;
}
