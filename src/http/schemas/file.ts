import { Type } from '@sinclair/typebox';
import { errorResponses, Nullable, problem, Timestamp, Uuid } from './common.js';

export const FileSchema = Type.Object({
  id: Uuid,
  job_id: Nullable(Uuid),
  role: Type.Union([Type.Literal('input'), Type.Literal('output')]),
  name: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
  download_url: Type.String({ description: 'Works without a token until it expires (24 h).' }),
});

const bytes = { schema: { type: 'string', format: 'binary' } };

/** What a route that streams a stored file answers (file-content.ts), errors included. */
export const fileContentResponses = {
  200: { description: "The file's bytes, in its content type.", content: { '*/*': bytes } },
  206: { description: 'The requested byte range (`Range`).', content: { '*/*': bytes } },
  304: { description: 'Not Modified: the `If-None-Match` ETag is current.' },
  ...errorResponses,
  410: problem,
  416: problem,
};
