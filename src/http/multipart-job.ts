import type { IncomingMessage } from 'node:http';
import { Busboy } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Services } from '../services/context.js';
import { uploadFile } from '../services/files.js';

const MAX_FILES = 10;

/**
 * `POST /v1/jobs` as multipart/form-data: a `job` field holding the JSON body, and file parts. Each
 * file is stored like an upload to POST /v1/files, and its id is set in the input as `<part name>_id`
 * (a part named `file` becomes `input.file_id`, as document-import and bulk-import expect). The result
 * is the JSON body the route then validates as usual.
 */
export function parseMultipartJob(
  services: Services,
  request: FastifyRequest,
  payload: IncomingMessage,
  fieldLimit: number,
): Promise<unknown> {
  const principal = request.principal;
  if (principal === undefined) return Promise.reject(new AppError('unauthorized', 'Send an API token.'));
  return new Promise((resolve, reject) => {
    let job: Record<string, unknown> | undefined;
    const uploads: Promise<[string, string]>[] = [];
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      payload.unpipe();
      payload.resume();
      reject(
        error instanceof AppError
          ? error
          : new AppError('bad_request', `The multipart body could not be read: ${(error as Error).message}`),
      );
    };
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: request.headers as never,
        limits: { files: MAX_FILES, fields: 20, fieldSize: fieldLimit, parts: MAX_FILES + 20 },
      });
    } catch (error) {
      fail(error);
      return;
    }
    parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (name !== 'job')
        return fail(
          new AppError(
            'validation_failed',
            `Unknown form field ${JSON.stringify(name)}; send the job as a field named "job".`,
            { errors: [{ pointer: `#/${name}`, detail: 'is not a known field' }] },
          ),
        );
      if (valueTruncated)
        return fail(new AppError('payload_too_large', 'The job field is larger than the body limit.'));
      try {
        const parsed = JSON.parse(value) as unknown;
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        job = parsed as Record<string, unknown>;
      } catch {
        fail(
          new AppError(
            'malformed_json',
            'The "job" field must hold the job as a JSON object, like the JSON body of POST /v1/jobs.',
          ),
        );
      }
    });
    parser.on(
      'file',
      (name: string, stream: NodeJS.ReadableStream, filename: string, _encoding: string, mimetype: string) => {
        if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) {
          stream.resume();
          return fail(
            new AppError(
              'validation_failed',
              `File part names must be lowercase identifiers; ${JSON.stringify(name)} is not.`,
              { errors: [{ pointer: `#/${name}`, detail: 'invalid part name' }] },
            ),
          );
        }
        const upload = uploadFile(services, principal, {
          name: filename,
          contentType: mimetype || 'application/octet-stream',
          source: stream as never,
        }).then((f): [string, string] => [`${name}_id`, f.id]);
        upload.catch(fail);
        uploads.push(upload);
      },
    );
    parser.on('filesLimit', () => fail(new AppError('payload_too_large', `At most ${MAX_FILES} files per job.`)));
    parser.on('error', fail);
    parser.on('finish', () => {
      Promise.all(uploads).then((ids) => {
        if (failed) return;
        if (job === undefined)
          return fail(
            new AppError('validation_failed', 'The form has no "job" field holding the job as JSON.', {
              errors: [{ pointer: '#/job', detail: 'is required' }],
            }),
          );
        const input =
          job.input !== null && typeof job.input === 'object' && !Array.isArray(job.input)
            ? (job.input as Record<string, unknown>)
            : {};
        resolve({ ...job, input: { ...input, ...Object.fromEntries(ids) } });
      }, fail);
    });
    payload.pipe(parser);
  });
}
