import { Type } from '@sinclair/typebox';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/jobs.js';
import { listJobErrors, listSegments } from '../../store/job-results.js';
import type { App } from '../app.js';
import { IdParams, Nullable, errorResponses } from '../schemas/common.js';

const PageQuery = Type.Object(
  { page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })), page_token: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
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
  row: Nullable(Type.Integer({ description: 'Row of the imported file (CSV: the spreadsheet row, header = 1; JSON Lines: the line).' })),
  field: Nullable(Type.String()),
  code: Type.String(),
  message: Type.String({ examples: ['row 17: target_language: must match pattern "^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$"'] }),
});

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
        response: { 200: Type.Object({ data: Type.Array(JobErrorSchema), next_page_token: Type.Optional(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      const job = await getJob(services, request.principal!, request.params.id);
      const scope = { errors: job.id };
      const after = request.query.page_token === undefined ? 0 : Number(services.pageTokens.decode(request.query.page_token, scope));
      const size = request.query.page_size ?? 50;
      const rows = await listJobErrors(services.store.db, job.id, after, size + 1);
      const page = rows.slice(0, size);
      return {
        data: page.map((r) => ({ row: r.row, field: r.field, code: r.code, message: r.message })),
        ...(rows.length > size ? { next_page_token: services.pageTokens.encode(String(page.at(-1)!.seq), scope) } : {}),
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
        response: { 200: Type.Object({ data: Type.Array(SegmentSchema), next_page_token: Type.Optional(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      const job = await getJob(services, request.principal!, request.params.id);
      const scope = { segments: job.id };
      const after = request.query.page_token === undefined ? -1 : Number(services.pageTokens.decode(request.query.page_token, scope));
      const size = request.query.page_size ?? 50;
      const rows = await listSegments(services.store.db, job.id, after, size + 1);
      const page = rows.slice(0, size);
      return {
        data: page.map((r) => ({ index: r.idx, key: r.key, context: r.context, source: r.source, target: r.target, words: r.words })),
        ...(rows.length > size ? { next_page_token: services.pageTokens.encode(String(page.at(-1)!.idx), scope) } : {}),
      };
    },
  );
}
