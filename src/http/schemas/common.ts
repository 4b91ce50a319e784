import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * The schema or null. A schema with one `type` becomes `type: [T, "null"]` (JSON Schema's own form, as
 * OpenAPI 3.1 has it): the response serializer resolves an `anyOf` by running Ajv on each branch,
 * date-time format checks included, for every nullable field of every response, while a type list is a
 * `typeof` test. A union, or a schema with an `$id` (which a copy would repeat), stays an `anyOf`.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const type: unknown = schema.type;
  if (typeof type === 'string' && type !== 'null' && schema.$id === undefined)
    return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
}

export const Uuid = Type.String({
  format: 'uuid',
  'x-lowercase': true,
  description: 'A UUID (Jobline ids are UUIDv7); any letter case is accepted.',
  examples: ['0190f5c8-5f9e-7a41-b1c2-3d4e5f607182'],
});
export const IdParams = Type.Object({ id: Uuid });

// Names are labels shown in lists, logs and XML: no control characters. Descriptions may break lines.
export const Name = (options: { maxLength: number; description?: string }) =>
  Type.String({ minLength: 1, pattern: '^[^\\u0000-\\u001F\\u007F]*$', ...options });
export const Text = (options: { maxLength: number; description?: string }) =>
  Type.String({ pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$', ...options });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC.' });

/** `fields` and `pretty` are accepted on every read. */
export const RepresentationQuery = {
  fields: Type.Optional(
    Type.String({
      maxLength: 1000,
      pattern: '^[A-Za-z0-9_.,]*$',
      description: 'Comma-separated dotted paths to return; `id` is always kept.',
    }),
  ),
  pretty: Type.Optional(Type.Boolean({ description: 'Indent the response.' })),
};

export const CursorQuery = {
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Items per page (cursor paging).' }),
  ),
  page_token: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2000, description: 'The `next_page_token` of the previous page.' }),
  ),
  page: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Page number from 1 (offset paging, returns `total`).',
    }),
  ),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Items per page (offset paging).' })),
};

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'Stable machine-readable error code.' }),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), detail: Type.String() }))),
  },
  { additionalProperties: true, $id: 'Problem', description: 'RFC 9457 problem details.' },
);

// Errors are documented with the media type they are sent as; Fastify picks the serializer by it too.
export const problem = {
  description: 'RFC 9457 problem details.',
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
};
export const errorResponses = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  406: problem,
  409: problem,
  412: problem,
  413: problem,
  415: problem,
  422: problem,
  429: problem,
};
