import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from './common.js';

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
