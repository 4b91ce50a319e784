import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError, unstorableValue } from '../../core/errors.js';
import { badText, unstorableJson } from '../../core/json.js';
import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { createJob } from '../../services/job-creation.js';
import { updateSource } from '../../services/people-edits.js';
import { uploadedType } from '../../http/file-content.js';
import { storageFileName } from '../file-names.js';
import { asyncRequestReference } from './async-request.js';
import { dispositionFilename } from './create-job.js';
import { partContexts } from './job-part.js';
import { invalid, jobUids, partOf, PHRASE_WRITE, projectOf } from './params.js';
import { phraseStatus } from './status.js';

// Update source (POST /api2/v1/projects/{projectUid}/jobs/source): a new version of the jobs' source
// document, the file as the body (named in Content-Disposition) and the jobs in the `Memsource` header
// ({"jobs": [{"uid"}], "preTranslate"?}). Each listed job takes the file and imports it again (the
// native update of a job's source); the answer names the first import as its async request.

/** The request body, at most `max` bytes (Update source and Update target). */
export async function bytesOf(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw new AppError('payload_too_large', `Files may be at most ${max} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The `Memsource` header of Update source and Update target: the jobs (at most `max`) and preTranslate. */
export function metadata(
  header: string | string[] | undefined,
  max: number,
): { uids: string[]; preTranslate: boolean } {
  if (typeof header !== 'string')
    throw invalid('Name the jobs in the Memsource header, e.g. Memsource: {"jobs": [{"uid": "…"}]}.');
  let raw: unknown;
  try {
    raw = JSON.parse(header);
  } catch {
    throw invalid('The Memsource header is not valid JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid('The Memsource header must be a JSON object.');
  const unstorable = unstorableJson(raw, '#/Memsource');
  if (unstorable !== undefined) throw unstorableValue(unstorable);
  return { uids: jobUids(raw, max), preTranslate: (raw as Record<string, unknown>).preTranslate === true };
}

/** JobPartUpdateSourceDto of each job: the `jobs` of Update source's and Update target's answer. */
export async function updatedParts(services: Services, project: Project, jobs: Job[]) {
  const contexts = await partContexts(services, project, jobs);
  return jobs.map((job) => {
    const level = job.people?.workflowLevel ?? 1;
    const input = job.input as { target_language?: unknown };
    return {
      uid: job.id,
      status: phraseStatus(job),
      ...(typeof input.target_language === 'string' ? { targetLang: input.target_language } : {}),
      filename: contexts.get(job.id)!.filename,
      workflowLevel: level,
      workflowStep: { name: job.type, id: job.type, uid: job.type, order: level, lqaEnabled: false },
    };
  });
}

export function phraseUpdateSourceRoutes(scope: FastifyInstance, services: Services): void {
  void scope.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.post(
      '/api2/v1/projects/:projectUid/jobs/source',
      { config: PHRASE_WRITE, schema: { hide: true } },
      async (request: FastifyRequest) => {
        const principal = request.principal!;
        const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
        const { uids, preTranslate } = metadata(request.headers.memsource, 100);
        const filename = dispositionFilename(request.headers['content-disposition']);
        if (filename === undefined)
          throw invalid("Name the file in Content-Disposition, e.g. Content-Disposition: filename*=UTF-8''page.txt.");
        const bad = badText(filename);
        if (bad !== undefined) throw invalid(`The file name ${bad}.`);
        const jobs: Job[] = [];
        for (const uid of uids) jobs.push(await partOf(services, principal, project, uid));
        if (request.body === undefined || request.body === null) throw invalid('Send the file as the request body.');
        const bytes = await bytesOf(request.body as Readable, services.policy.maxFileBytes);
        const contentType = uploadedType(request.headers['content-type']);
        const imports: Job[] = [];
        const updated: Job[] = [];
        for (const job of jobs) {
          const result = await updateSource(services, principal, job.id, {
            name: storageFileName(filename),
            contentType,
            source: bytes,
          });
          imports.push(result.importJob);
          updated.push(result.job);
        }
        if (preTranslate) {
          await createJob(services, principal, {
            type: 'pre-translate',
            name: `Pre-translate ${filename}`,
            projectId: project.id,
            input: { job_ids: updated.map((j) => j.id) },
            dependsOn: imports.map((j) => j.id),
          });
        }
        return {
          asyncRequest: asyncRequestReference(imports[0]!, project),
          jobs: await updatedParts(services, project, updated),
        };
      },
    );
  });
}
