import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors.js';
import { getFile, jobFiles } from '../../services/files.js';
import { updateSource } from '../../services/people-edits.js';
import { sendFileContent, uploadedType } from '../../http/file-content.js';
import { detectFormat } from '../../jobs/documents/index.js';
import { findJobsById } from '../../store/people-views.js';
import { storageFileName } from '../file-names.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import type { TextKingContext } from './context.js';
import { textkingDisposition } from './representation.js';
import { badInput, requirePrepared } from './request-input.js';

// A job's document and translation (api.json: UploadDocument, DownloadDocument, DownloadTranslation).

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;
const WRITE = { ...VENDOR_ROUTE, scope: 'jobs:write' } as const;

/** The document formats TextKing's wiki lists as accepted. */
export const WIKI_FORMATS = new Set(['docx', 'doc', 'xlsx', 'xls', 'pptx', 'idml', 'rtf', 'odt', 'html', 'txt', 'xml']);
/** Those of them Jobline's document import does not read. */
const STORED_FORMATS = new Set(['doc', 'xlsx', 'xls', 'pptx', 'idml', 'rtf', 'odt', 'xml']);
const extensionOf = (name: string) => (/\.([A-Za-z0-9]+)$/.exec(name)?.[1] ?? '').toLowerCase();

/**
 * Whether Jobline's import reads a document of this name and type (`true`), keeps it as it is
 * (`false`: a wiki format it cannot segment), or refuses it (TextKing's 406).
 */
export function documentReadable(name: string, contentType: string): boolean {
  const extension = extensionOf(name);
  const readable = !STORED_FORMATS.has(extension) && detectFormat(name, contentType, Buffer.alloc(0)) !== undefined;
  if (!readable && !WIKI_FORMATS.has(extension)) {
    throw new AppError(
      'unsupported_media_type',
      `${name} (${contentType}) is not a supported document type; send one of ${[...WIKI_FORMATS].join(', ')}.`,
    );
  }
  return readable;
}

type JobParams = { projectId: string; jobId: string };

export function textkingDocumentRoutes(scope: FastifyInstance, tk: TextKingContext): void {
  const { services } = tk;

  // The document is the body, in its own Content-Type; it becomes the job's source and is imported.
  void scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/project/:projectId/job/:jobId/document/:documentName',
      { config: WRITE, schema: { hide: true } },
      async (request, reply) => {
        const { projectId, jobId, documentName } = request.params as JobParams & { documentName: string };
        const project = await tk.projectOf(request, projectId);
        const job = await tk.jobOf(request, project, jobId);
        requirePrepared(project, 'documents can be uploaded');
        const contentType = uploadedType(request.headers['content-type']);
        // "406 Not Acceptable: the document type is not supported" — judged by its name and Content-Type.
        // The wiki's formats Jobline cannot segment are kept as the source and handed over as they are.
        const readable = documentReadable(documentName, contentType);
        if (request.body === undefined || request.body === null)
          throw badInput('Send the document as the request body.');
        await updateSource(services, tk.principalOf(request), job.id, {
          name: storageFileName(documentName),
          contentType,
          source: request.body as Readable,
          storeOnly: !readable,
        });
        return tk.created(reply, `${tk.base(request)}/project/${project.id}/job/${job.id}/document`).send();
      },
    );
  });

  scope.get(
    '/project/:projectId/job/:jobId/document',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { projectId, jobId } = request.params as JobParams;
      const project = await tk.projectOf(request, projectId);
      const job = await tk.jobOf(request, project, jobId);
      const importJobId = job.people?.importJobId ?? null;
      const [importJob] =
        importJobId === null ? [] : await findJobsById(services.store.db, job.workspaceId, [importJobId]);
      const fileId = (importJob?.input as { file_id?: string } | undefined)?.file_id;
      if (fileId === undefined) throw new AppError('not_found', 'The job has no document yet.');
      const file = await getFile(services, tk.principalOf(request), fileId);
      reply.header('last-modified', new Date(file.createdAt).toUTCString());
      return sendFileContent(request, reply, services, file, textkingDisposition(file.name));
    },
  );

  // The translation is the file the provider delivered last (POST /v1/jobs/{id}/deliver/file).
  scope.get(
    '/project/:projectId/job/:jobId/translation',
    { config: READ, schema: { hide: true } },
    async (request, reply) => {
      const { projectId, jobId } = request.params as JobParams;
      const project = await tk.projectOf(request, projectId);
      const job = await tk.jobOf(request, project, jobId);
      const delivered = (await jobFiles(services, job.id))
        .filter((f) => f.role === 'output')
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      const file = delivered[0];
      if (file === undefined) throw new AppError('not_found', 'The job has no translation yet.');
      reply.header('last-modified', new Date(file.createdAt).toUTCString());
      return sendFileContent(request, reply, services, file, textkingDisposition(file.name));
    },
  );
}
