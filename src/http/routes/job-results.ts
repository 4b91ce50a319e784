import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import { listJobErrors, listSegments } from '../../store/job-results.js';
import type { App } from '../app.js';
import { IdParams, Nullable, errorResponses } from '../schemas/common.js';

const PageQuery = Type.Object(
  {
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    page_token: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const SegmentSchema = Type.Object({
  index: Type.Integer(),
  key: Nullable(Type.String()),
  context: Nullable(Type.String()),
  source: Type.String(),
  target: Nullable(Type.String()),
  words: Type.Integer(),
});

const JobErrorSchema = Type.Object({
  row: Nullable(
    Type.Integer({
      description: 'Row of the imported file (CSV: the spreadsheet row, header = 1; JSON Lines: the line).',
    }),
  ),
  field: Nullable(Type.String()),
  code: Type.String(),
  message: Type.String({
    examples: ['row 17: target_language: must match pattern "^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$"'],
  }),
});

/**
 * One page of rows numbered within a job (errors by seq, segments by index): the page token carries
 * the last number seen, sealed and bound to `scope` like every other page token.
 */
async function pageBySequence<Row>(
  services: Services,
  scope: object,
  query: { page_size?: number | undefined; page_token?: string | undefined },
  start: number,
  fetch: (after: number, limit: number) => Promise<Row[]>,
  numberOf: (row: Row) => number,
): Promise<{ data: Row[]; next_page_token?: string }> {
  const after = query.page_token === undefined ? start : Number(services.pageTokens.decode(query.page_token, scope));
  const size = query.page_size ?? 50;
  const rows = await fetch(after, size + 1);
  const data = rows.slice(0, size);
  return rows.length > size
    ? { data, next_page_token: services.pageTokens.encode(String(numberOf(data.at(-1)!)), scope) }
    : { data };
}

export function jobResultRoutes(app: App, services: Services): void {
  app.get(
    '/v1/jobs/:id/errors',
    {
      config: { scope: 'jobs:read', xmlRoot: 'errors' },
      schema: {
        tags: ['jobs'],
        summary: "A job's per-item errors (e.g. bulk-import rows)",
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ data: Type.Array(JobErrorSchema), next_page_token: Type.Optional(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const job = await getJob(services, request.principal!, request.params.id);
      const page = await pageBySequence(
        services,
        { errors: job.id },
        request.query,
        0,
        (after, limit) => listJobErrors(services.store.db, job.id, after, limit),
        (r) => r.seq,
      );
      return {
        ...page,
        data: page.data.map((r) => ({ row: r.row, field: r.field, code: r.code, message: r.message })),
      };
    },
  );

  app.get(
    '/v1/jobs/:id/segments',
    {
      config: { scope: 'jobs:read', xmlRoot: 'segments' },
      schema: {
        tags: ['jobs'],
        summary: 'The segments a document-import job found, in document order',
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ data: Type.Array(SegmentSchema), next_page_token: Type.Optional(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const job = await getJob(services, request.principal!, request.params.id);
      const page = await pageBySequence(
        services,
        { segments: job.id },
        request.query,
        -1,
        (after, limit) => listSegments(services.store.db, job.id, after, limit),
        (r) => r.idx,
      );
      return {
        ...page,
        data: page.data.map((r) => ({
          index: r.idx,
          key: r.key,
          context: r.context,
          source: r.source,
          target: r.target,
          words: r.words,
        })),
      };
    },
  );
}
