/**
 * - document_invalid: the bytes are not a well-formed document of the format (empty, bad encoding,
 *   syntax error); the message says what is wrong and where.
 * - document_unsupported: a well-formed file that this service cannot read (an unknown format, an
 *   XLIFF version it does not know, a legacy binary .doc).
 * - document_too_large: over a size or segment limit (see limits.ts).
 */
export type DocumentErrorCode = 'document_invalid' | 'document_unsupported' | 'document_too_large';

export class DocumentError extends Error {
  readonly code: DocumentErrorCode;

  constructor(code: DocumentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocumentError';
    this.code = code;
  }
}

export function invalid(message: string, options?: { cause?: unknown }): DocumentError {
  return new DocumentError('document_invalid', message, options);
}
