import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors.js';
import { badText } from '../../core/json.js';
import { NOT_READY_REASONS } from '../../core/lifecycle.js';
import type { Services } from '../../services/context.js';
import { actOnJob } from '../../services/people.js';
import { uploadedType } from '../../http/file-content.js';
import { storageFileName } from '../file-names.js';
import { asyncRequestId } from './async-request.js';
import { dispositionFilename } from './create-job.js';
import { phraseDate } from './job-part.js';
import { invalid, partOf, PHRASE_WRITE, projectOf } from './params.js';
import { phraseStatus } from './status.js';
import { originalFile } from './target-file.js';
import { bytesOf, metadata, updatedParts } from './update-source.js';

// Update target (POST /api2/v1/projects/{projectUid}/jobs/target): the translated file as the body
// (named in Content-Disposition) and the job in the `Memsource` header ({"jobs": [{"uid"}]}, one job,
// as Phrase allows). Jobline's target is the provider's delivery, so the file is delivered for the job
// (the native POST /v1/jobs/{id}/deliver/file, here by the caller's jobs:write token): the job must be
// taken (ACCEPTED) and its import done; it becomes DELIVERED and the file is its target file.

const extension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

export function phraseUpdateTargetRoutes(scope: FastifyInstance, services: Services): void {
  void scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/api2/v1/projects/:projectUid/jobs/target',
      { config: PHRASE_WRITE, schema: { hide: true } },
      async (request: FastifyRequest) => {
        const principal = request.principal!;
        const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
        const { uids } = metadata(request.headers.memsource, 1);
        const filename = dispositionFilename(request.headers['content-disposition']);
        if (filename === undefined)
          throw invalid("Name the file in Content-Disposition, e.g. Content-Disposition: filename*=UTF-8''page.txt.");
        const bad = badText(filename);
        if (bad !== undefined) throw invalid(`The file name ${bad}.`);
        const job = await partOf(services, principal, project, uids[0]!);
        // Checked before the upload is read; the delivery itself checks again (a race lost is a 400 too).
        if (job.statusReason !== null && NOT_READY_REASONS.includes(job.statusReason))
          throw new AppError(
            'job_not_ready',
            "The job's source is not imported yet or an earlier workflow step has not finished; it takes no target yet.",
            { extra: { phraseArgs: { uid: job.id, status: phraseStatus(job) } } },
          );
        if (job.status !== 'running')
          throw invalid(
            `Only an accepted job (ACCEPTED) takes a target; this job is ${phraseStatus(job)}. Set it to ACCEPTED first.`,
            { uid: job.id, status: phraseStatus(job) },
          );
        // As Phrase: the target has the original file's extension.
        const original = await originalFile(services, job);
        if (original !== undefined && extension(original.name) !== extension(filename))
          throw invalid(`The target must have the original file's extension (.${extension(original.name)}).`, {
            filename,
          });
        if (request.body === undefined || request.body === null) throw invalid('Send the file as the request body.');
        const bytes = await bytesOf(request.body as Readable, services.policy.maxFileBytes);
        if (bytes.length === 0) throw invalid('Send the file as the request body; it is empty.');
        const delivered = await actOnJob(services, principal, job.id, 'deliver', {
          file: {
            name: storageFileName(filename),
            contentType: uploadedType(request.headers['content-type']),
            source: bytes,
          },
        });
        return {
          // Done when this answer comes: the request is the job part's number, as its target file export's.
          asyncRequest: {
            id: asyncRequestId(delivered, project),
            dateCreated: phraseDate(delivered.updatedAt)!,
            action: 'UPDATE_TARGET',
          },
          jobs: await updatedParts(services, project, [delivered]),
        };
      },
    );
  });
}
