import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { fileInfo, jobFiles, readFileBytes, type FileInfo } from '../../services/files.js';
import { sendFileContent } from '../../http/file-content.js';
import { detectFormat } from '../../jobs/documents/formats.js';
import { findFile } from '../../store/files.js';
import { findJobsById } from '../../store/people-views.js';
import { jobSegments } from './segments.js';

// A job's files as Phrase serves them: the original (the source document its import read) and the
// target. The target is the file its provider delivered last (POST /v1/jobs/{id}/deliver/file); before
// any delivery, a text or Markdown source is rendered with the job's translated segments in place (its
// pre-translation, say), each untranslated segment left as it was. Other formats need a delivery.

const RENDERED = new Set(['text', 'markdown']);

async function importOf(services: Services, job: Job): Promise<Job | undefined> {
  const id = job.people?.importJobId;
  if (id == null) return undefined;
  return (await findJobsById(services.store.db, job.workspaceId, [id]))[0];
}

/** The source document the job's import read. */
export async function originalFile(services: Services, job: Job): Promise<FileInfo | undefined> {
  const importJob = await importOf(services, job);
  const fileId = (importJob?.input as { file_id?: unknown } | undefined)?.file_id;
  if (typeof fileId !== 'string') return undefined;
  const row = await findFile(services.store.db, job.workspaceId, fileId);
  return row === undefined ? undefined : fileInfo(row);
}

function deliveredFile(files: FileInfo[]): FileInfo | undefined {
  return files
    .filter((f) => f.role === 'output')
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))[0];
}

/** Sends the job's target file, or answers 404 when it has none yet. */
export async function sendTargetFile(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  job: Job,
): Promise<FastifyReply> {
  const delivered = deliveredFile(await jobFiles(services, job.id));
  if (delivered !== undefined) return sendFileContent(request, reply, services, delivered);
  const original = await originalFile(services, job);
  if (original === undefined) throw new AppError('not_found', 'The job has no source document, so no target file.');
  const { bytes } = await readFileBytes(services, job.workspaceId, original.id);
  const format = detectFormat(original.name, original.contentType, bytes);
  if (format === undefined || !RENDERED.has(format))
    throw new AppError(
      'not_found',
      `The job has no target file yet: a ${format ?? 'binary'} document's target is the file its provider delivers.`,
    );
  // The job's own segments once pre-translated or edited, else its import's (sources only).
  const segments = await jobSegments(services, job);
  const text = bytes.toString('utf8');
  let out = '';
  let cursor = 0;
  for (const s of segments) {
    const at = text.indexOf(s.source, cursor);
    if (at === -1 || s.target === null) continue;
    out += text.slice(cursor, at) + s.target;
    cursor = at + s.source.length;
  }
  out += text.slice(cursor);
  const body = Buffer.from(out, 'utf8');
  const language = (job.input as { target_language?: unknown }).target_language;
  const dot = original.name.lastIndexOf('.');
  const name =
    typeof language === 'string' && dot > 0
      ? `${original.name.slice(0, dot)}_${language}${original.name.slice(dot)}`
      : original.name;
  return reply
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('content-length', String(body.length))
    .type(original.contentType)
    .send(Readable.from([body]));
}
