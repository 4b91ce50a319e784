import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { Principal } from '../../core/auth.js';
import { AppError, unstorableValue } from '../../core/errors.js';
import { badText, unstorableJson } from '../../core/json.js';
import type { Job } from '../../core/job.js';
import { LANGUAGE_PATTERN, type ProviderRef } from '../../core/people.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { createDocumentWork } from '../../services/documents.js';
import { uploadFile } from '../../services/files.js';
import { createJob } from '../../services/job-creation.js';
import { storageFileName } from '../file-names.js';
import { uploadedType } from '../../http/file-content.js';

// Create job (POST /api2/v1/projects/{projectUid}/jobs): the file is the body, its name in
// Content-Disposition (`filename*=UTF-8''<name>` or `filename="<name>"`) and the job's settings in
// the `Memsource` header as JSON: targetLangs (required), due, assignments, workflowSettings,
// callbackUrl, path, preTranslate. One job per target language × workflow step (Phrase's own example:
// "EN>DE and EN>FR … Translation and Review … will result in 4 jobs").

const LANGUAGE = new RegExp(LANGUAGE_PATTERN);

const createError = (message: string, args: Record<string, unknown> = {}) =>
  new AppError('bad_request', message, { extra: { phraseCode: 'JobCreateError', phraseArgs: args } });

/** The file name of a Content-Disposition header (RFC 6266; the pattern Phrase documents). */
export function dispositionFilename(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended !== null) {
    try {
      return decodeURIComponent(extended[2]!.trim());
    } catch {
      return undefined;
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  const name = plain?.[1] ?? plain?.[2]?.trim();
  return name === undefined || name === '' ? undefined : name;
}

interface Metadata {
  targetLangs: string[];
  sourceLang?: string;
  due?: number;
  callbackUrl?: string;
  path?: string;
  preTranslate: boolean;
  assignments: { targetLanguage: string; workflowLevel?: number; providers: ProviderRef[] }[];
}

function providersOf(value: unknown, where: string): ProviderRef[] {
  if (!Array.isArray(value)) throw createError(`${where}.providers must be a list of {"id", "type"}.`);
  return value.map((p: unknown, i) => {
    const r = (p ?? {}) as Record<string, unknown>;
    const type = typeof r.type === 'string' ? r.type.toLowerCase() : '';
    if (typeof r.id !== 'string' || (type !== 'user' && type !== 'vendor'))
      throw createError(`${where}.providers[${i}] must be {"id": "…", "type": "USER" | "VENDOR"}.`);
    return { type, id: r.id.toLowerCase() };
  });
}

function assignmentsOf(value: unknown, where: string, workflowLevel?: number): Metadata['assignments'] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw createError(`${where} must be a list of {"targetLang", "providers"}.`);
  return value.map((a: unknown, i) => {
    const r = (a ?? {}) as Record<string, unknown>;
    if (typeof r.targetLang !== 'string') throw createError(`${where}[${i}].targetLang is required.`);
    return {
      targetLanguage: r.targetLang,
      ...(workflowLevel !== undefined ? { workflowLevel } : {}),
      providers: providersOf(r.providers, `${where}[${i}]`),
    };
  });
}

export function parseMetadata(header: string | string[] | undefined, steps: string[]): Metadata {
  if (header === undefined || Array.isArray(header))
    throw createError(
      'Send the job settings as JSON in the Memsource header, e.g. Memsource: {"targetLangs": ["de"]}.',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(header);
  } catch {
    throw createError('The Memsource header is not valid JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw createError('The Memsource header must be a JSON object.');
  const unstorable = unstorableJson(raw, '#/Memsource');
  if (unstorable !== undefined) throw unstorableValue(unstorable);
  const m = raw as Record<string, unknown>;
  if (!Array.isArray(m.targetLangs) || m.targetLangs.length === 0)
    throw createError('targetLangs is required: the target languages, e.g. ["de", "fr"].', {
      targetLangs: m.targetLangs ?? null,
    });
  const targetLangs = m.targetLangs.map((l: unknown) => {
    if (typeof l !== 'string' || !LANGUAGE.test(l))
      throw createError(`targetLangs: ${JSON.stringify(l)} is not a language code.`, { targetLang: l });
    return l;
  });
  if (m.sourceLang !== undefined && (typeof m.sourceLang !== 'string' || !LANGUAGE.test(m.sourceLang)))
    throw createError('sourceLang is not a language code.');
  let due: number | undefined;
  if (m.due !== undefined && m.due !== null) {
    due = typeof m.due === 'string' ? Date.parse(m.due) : Number.NaN;
    if (Number.isNaN(due))
      throw createError('due must be an ISO 8601 date and time, e.g. 2026-12-03T10:15:30Z.', { due: m.due });
  }
  if (m.callbackUrl !== undefined && typeof m.callbackUrl !== 'string') throw createError('callbackUrl must be a URL.');
  if (m.path !== undefined && typeof m.path !== 'string') throw createError('path must be a string.');
  // Projects with a workflow assign per step (workflowSettings: [{id, assignments}]); others per language.
  const assignments = assignmentsOf(m.assignments, 'assignments');
  if (m.workflowSettings !== undefined) {
    if (!Array.isArray(m.workflowSettings))
      throw createError('workflowSettings must be a list of {"id", "assignments"}.');
    for (const [i, w] of (m.workflowSettings as unknown[]).entries()) {
      const r = (w ?? {}) as Record<string, unknown>;
      // A step is named by its name or by the integer id Get project shows for it (its level).
      const byLevel = /^\d{1,2}$/.test(String(r.id)) ? Number(r.id) : 0;
      const level = byLevel >= 1 && byLevel <= steps.length ? byLevel : steps.indexOf(String(r.id).toLowerCase()) + 1;
      if (level === 0)
        throw createError(
          `workflowSettings[${i}].id ${JSON.stringify(r.id)} is not a workflow step of the project (${steps.join(', ')}).`,
        );
      assignments.push(...assignmentsOf(r.assignments, `workflowSettings[${i}].assignments`, level));
    }
  }
  return {
    targetLangs,
    ...(typeof m.sourceLang === 'string' ? { sourceLang: m.sourceLang } : {}),
    ...(due !== undefined ? { due } : {}),
    ...(typeof m.callbackUrl === 'string' ? { callbackUrl: m.callbackUrl } : {}),
    ...(typeof m.path === 'string' ? { path: m.path } : {}),
    preTranslate: m.preTranslate === true,
    assignments,
  };
}

export async function createPhraseJobs(
  services: Services,
  principal: Principal,
  project: Project,
  request: FastifyRequest,
): Promise<{ importJob: Job; jobs: Job[] }> {
  // A project without a workflow has one step; Phrase calls its jobs' step translation too.
  const steps = project.workflowSteps.length > 0 ? project.workflowSteps : ['translation'];
  const metadata = parseMetadata(request.headers.memsource, steps);
  // A project with target languages takes jobs in those only, as Phrase's do.
  const allowed = (project.targetLanguages ?? []).map((l) => l.toLowerCase());
  const outside = metadata.targetLangs.filter((l) => allowed.length > 0 && !allowed.includes(l.toLowerCase()));
  if (outside.length > 0)
    throw createError(
      `targetLangs ${outside.join(', ')} are not target languages of the project (${allowed.join(', ')}).`,
      {
        targetLangs: outside,
      },
    );
  const filename = dispositionFilename(request.headers['content-disposition']);
  if (filename === undefined)
    throw createError(
      "Name the file in Content-Disposition, e.g. Content-Disposition: filename*=UTF-8''document.docx.",
    );
  // The header is checked as sent; its percent-decoded name may still hold NUL.
  const badName = badText(filename);
  if (badName !== undefined)
    throw unstorableValue({ pointer: '#/headers/content-disposition', detail: `names a file that ${badName}` });
  if (request.body === undefined || request.body === null) throw createError('Send the file as the request body.');
  const contentType = uploadedType(request.headers['content-type']);
  const file = await uploadFile(services, principal, {
    name: storageFileName(filename),
    contentType,
    source: request.body as Readable,
  });
  const result = await createDocumentWork(services, principal, project.id, {
    fileId: file.id,
    sourceLanguage: metadata.sourceLang ?? project.sourceLanguage ?? undefined,
    targetLanguages: metadata.targetLangs,
    steps,
    dueAt: metadata.due,
    callbackUrl: metadata.callbackUrl,
    input: { filename, ...(metadata.path !== undefined ? { path: metadata.path } : {}) },
    assignments: metadata.assignments,
  }).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === 'project_state_conflict' || error.code === 'validation_failed')) {
      throw new AppError(error.code, error.message, {
        ...(error.errors !== undefined ? { errors: error.errors } : {}),
        extra: { phraseCode: 'JobCreateError' },
      });
    }
    throw error;
  });
  // preTranslate: true pre-translates the new jobs once their import succeeded (a dependent job).
  if (metadata.preTranslate) {
    const ids = result.jobs.map((j) => j.id);
    for (let i = 0; i < ids.length; i += 100) {
      await createJob(services, principal, {
        type: 'pre-translate',
        name: `Pre-translate ${filename}`,
        projectId: project.id,
        input: { job_ids: ids.slice(i, i + 100) },
        dependsOn: [result.importJob.id],
      });
    }
  }
  return result;
}
