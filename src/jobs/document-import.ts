import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.js';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
import { replaceSegments } from '../store/job-results.js';
import {
  countWords,
  detectFormat,
  DocumentError,
  DOCUMENT_FORMATS,
  parseDocument,
  type DocumentFormat,
} from './documents/index.js';

/**
 * Parses an uploaded document into translatable segments and counts its words (Unicode word
 * segmentation, see documents/words.ts). The segments are stored with the job and listed by
 * GET /v1/jobs/{id}/segments. An unknown or broken document fails the job at once with a message that
 * says what is wrong: retrying cannot fix a document.
 */
export const documentImport = defineBuiltinJob({
  type: 'document-import',
  input: Type.Object(
    {
      file_id: Type.String({ format: 'uuid' }),
      format: Type.Optional(
        Type.Union(
          DOCUMENT_FORMATS.map((f) => Type.Literal(f)),
          { description: 'Otherwise detected from the file name, type and content.' },
        ),
      ),
      store_only: Type.Optional(
        Type.Boolean({
          description:
            'Keep the file as the source without reading it (a format Jobline cannot segment, handed to people as it is): no segments, no words.',
        }),
      ),
      source_language: Type.Optional(
        Type.String({
          pattern: '^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$',
          description: 'BCP 47 tag; guides word segmentation (Thai, Japanese...).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    file_id: Type.String(),
    file_name: Type.String(),
    format: Type.String(),
    segments: Type.Integer(),
    words: Type.Integer(),
    source_language: Type.Union([Type.String(), Type.Null()]),
    target_language: Type.Union([Type.String(), Type.Null()]),
  }),
  maxAttempts: 3,
  timeoutMs: 600_000,
  async run(ctx) {
    const file = await ctx.readFile(ctx.input.file_id).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 404)
        throw new NonRetryableError(
          `No file with id ${ctx.input.file_id} exists in this workspace; upload it with POST /v1/files.`,
          'file_not_found',
        );
      throw error;
    });
    if (ctx.input.store_only === true) {
      const language = ctx.input.source_language ?? null;
      return {
        file_id: ctx.input.file_id,
        file_name: file.name,
        format: 'stored',
        segments: 0,
        words: 0,
        source_language: language,
        target_language: null,
      };
    }
    const format: DocumentFormat | undefined =
      ctx.input.format ?? detectFormat(file.name, file.contentType, file.bytes);
    if (format === undefined) {
      throw new NonRetryableError(
        `Cannot tell what kind of document ${file.name} (${file.contentType}) is; supported: ${DOCUMENT_FORMATS.join(', ')}. Name the file with its extension or give input.format.`,
        'document_unsupported',
      );
    }
    await ctx.progress(10, `parsing ${format}`);
    let parsed;
    try {
      parsed = await parseDocument(file.bytes, format);
    } catch (error) {
      if (error instanceof DocumentError)
        throw new NonRetryableError(`${file.name} is not a valid ${format} document: ${error.message}`, error.code);
      throw error;
    }
    const language = ctx.input.source_language ?? parsed.sourceLanguage;
    await ctx.progress(70, `storing ${parsed.segments.length} segments`);
    await ctx.jobline.transaction((trx) =>
      replaceSegments(
        trx,
        ctx.jobId,
        parsed.segments.map((s) => ({
          idx: s.index,
          key: s.key ?? null,
          context: s.context ?? null,
          source: s.text,
          target: s.target ?? null,
          words: countWords(s.text, language),
        })),
      ),
    );
    return {
      file_id: ctx.input.file_id,
      file_name: file.name,
      format,
      segments: parsed.segments.length,
      words: parsed.words,
      source_language: language ?? null,
      target_language: parsed.targetLanguage ?? null,
    };
  },
});
