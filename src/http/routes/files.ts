import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import { toIso } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../services/context.js';
import {
  FILE_NAME_PATTERN,
  getFile,
  jobFile,
  jobFiles,
  signedFile,
  uploadFile,
  type FileInfo,
} from '../../services/files.js';
import { getJob } from '../../services/job-reads.js';
import type { App } from '../app.js';
import { sendFileContent, uploadedType } from '../file-content.js';
import { IdParams, Uuid, errorResponses } from '../schemas/common.js';
import { fileContentResponses, FileSchema } from '../schemas/file.js';

export function fileRepresentation(services: Services, file: FileInfo) {
  return {
    id: file.id,
    job_id: file.jobId,
    role: file.role,
    name: file.name,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    created_at: toIso(file.createdAt)!,
    expires_at: toIso(file.expiresAt),
    download_url: services.downloads.sign(file.id, services.clock.now()),
  };
}

export function fileRoutes(app: App, services: Services): void {
  // Uploads take the raw body in any media type: the bytes are the file, streamed to disk.
  app.register(async (plugin) => {
    const uploads = plugin.withTypeProvider<TypeBoxTypeProvider>();
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/v1/files',
      {
        config: { scope: 'jobs:write', xmlRoot: 'file' },
        schema: {
          tags: ['files'],
          summary: 'Upload a file',
          description:
            'Send the bytes as the body with their Content-Type, and the file name in `?name=`. Jobs refer to the file by its id (e.g. document-import input `file_id`).',
          querystring: Type.Object(
            { name: Type.String({ pattern: FILE_NAME_PATTERN }) },
            { additionalProperties: false },
          ),
          response: { 201: FileSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (request.body === undefined || request.body === null)
          throw new AppError('bad_request', 'Send the file as the request body.');
        const contentType = uploadedType(request.headers['content-type']);
        const file = await uploadFile(services, request.principal!, {
          name: request.query.name,
          contentType,
          source: request.body as Readable,
        });
        reply.header('location', `/v1/files/${file.id}`);
        return reply.code(201).send(fileRepresentation(services, file));
      },
    );
  });

  app.get(
    '/v1/files/:id',
    {
      config: { scope: 'jobs:read', xmlRoot: 'file' },
      schema: {
        tags: ['files'],
        summary: "A file's metadata and a download link",
        params: IdParams,
        response: { 200: FileSchema, ...errorResponses },
      },
    },
    async (request) => fileRepresentation(services, await getFile(services, request.principal!, request.params.id)),
  );

  app.get(
    '/v1/files/:id/content',
    {
      config: { scope: 'jobs:read', negotiate: false },
      schema: {
        tags: ['files'],
        summary: "A file's bytes (Range supported)",
        params: IdParams,
        response: fileContentResponses,
      },
    },
    async (request, reply) =>
      sendFileContent(request, reply, services, await getFile(services, request.principal!, request.params.id)),
  );

  app.get(
    '/v1/downloads/:id',
    {
      config: { negotiate: false },
      schema: {
        tags: ['files'],
        summary: 'Download through a signed link (no token)',
        params: IdParams,
        querystring: Type.Object({ expires: Type.Integer(), signature: Type.String({ maxLength: 100 }) }),
        security: [],
        response: fileContentResponses,
      },
    },
    async (request, reply) =>
      sendFileContent(
        request,
        reply,
        services,
        await signedFile(services, request.params.id, request.query.expires, request.query.signature),
      ),
  );

  app.get(
    '/v1/jobs/:id/files',
    {
      config: { scope: 'jobs:read', xmlRoot: 'files' },
      schema: {
        tags: ['files'],
        summary: "A job's files",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(FileSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const job = await getJob(services, request.principal!, request.params.id);
      return { data: (await jobFiles(services, job.id)).map((f) => fileRepresentation(services, f)) };
    },
  );

  app.get(
    '/v1/jobs/:id/files/:name',
    {
      config: { scope: 'jobs:read', negotiate: false },
      schema: {
        tags: ['files'],
        summary: "A job's file by name (Range supported)",
        params: Type.Object({ id: Uuid, name: Type.String({ pattern: FILE_NAME_PATTERN }) }),
        response: fileContentResponses,
      },
    },
    async (request, reply) => {
      const job = await getJob(services, request.principal!, request.params.id);
      return sendFileContent(request, reply, services, await jobFile(services, job.id, request.params.name));
    },
  );
}
