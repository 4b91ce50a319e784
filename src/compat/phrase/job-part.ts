import type { Job } from '../../core/job.js';
import type { Project } from '../../core/project.js';
import type { Services } from '../../services/context.js';
import { findFile } from '../../store/files.js';
import { findJobsById, referenceInfo, type ReferenceInfo } from '../../store/people-views.js';
import { phraseStatus } from './status.js';

// Jobline's people job as Phrase TMS's job part: JobPartExtendedDtoV1 (Get job) and the list item of
// List jobs (v2). Phrase leaves out members that have no value rather than sending null (the OpenAPI
// types have no nullable), and so does this mapper.

export type ImportState = 'RUNNING' | 'ERROR' | 'OK';

/** What a job part shows beyond its own row: its project, its import, its file and its workflow siblings. */
export interface PartContext {
  project: Project;
  importJob: Job | undefined;
  filename: string;
  reference: ReferenceInfo | undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Phrase writes dates as `2023-11-07T05:31:56Z`: UTC, whole seconds. */
export function phraseDate(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** importStatus: the state of the document-import job that prepares the part's source. */
export function importStatus(importJob: Job | undefined): { status: ImportState; errorMessage?: string } {
  if (importJob === undefined) return { status: 'OK' }; // no document to import (or its import is long gone)
  switch (importJob.status) {
    case 'succeeded':
      return { status: 'OK' };
    case 'failed':
    case 'cancelled':
      return { status: 'ERROR', errorMessage: importJob.error?.message ?? 'The import was cancelled.' };
    default:
      return { status: 'RUNNING' };
  }
}

/** Loads the context of several parts of one project with one query per kind. */
export async function partContexts(
  services: Services,
  project: Project,
  jobs: Job[],
): Promise<Map<string, PartContext>> {
  const db = services.store.db;
  const importIds = jobs.flatMap((j) => (j.people?.importJobId != null ? [j.people.importJobId] : []));
  const imports = new Map((await findJobsById(db, project.workspaceId, importIds)).map((j) => [j.id, j]));
  const references = await referenceInfo(
    db,
    project.workspaceId,
    jobs.flatMap((j) => (j.people?.referenceId != null ? [j.people.referenceId] : [])),
  );
  const fileNames = new Map<string, string>();
  const out = new Map<string, PartContext>();
  for (const job of jobs) {
    const input = record(job.input);
    const importJob = job.people?.importJobId != null ? imports.get(job.people.importJobId) : undefined;
    let filename =
      typeof input.filename === 'string' ? input.filename : (record(importJob?.output).file_name as string | undefined);
    if (filename === undefined && typeof input.file_id === 'string') {
      if (!fileNames.has(input.file_id))
        fileNames.set(input.file_id, (await findFile(db, project.workspaceId, input.file_id))?.name ?? '');
      filename = fileNames.get(input.file_id) || undefined;
    }
    out.set(job.id, {
      project,
      importJob,
      filename: filename ?? job.name ?? job.id,
      reference: job.people?.referenceId != null ? references.get(job.people.referenceId) : undefined,
    });
  }
  return out;
}

function providers(job: Job) {
  // Phrase's provider types are upper case (USER, VENDOR); `uid` is read-only output.
  return (job.people?.providers ?? []).map((p) => ({ type: p.type.toUpperCase(), id: p.id, uid: p.id }));
}

function workflowStep(job: Job) {
  const level = job.people?.workflowLevel ?? 1;
  return { name: job.type, id: job.type, order: level, workflowLevel: level };
}

/** Strips members whose value is undefined (Phrase omits what a job does not have). */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** GET /api2/v1/projects/{projectUid}/jobs/{jobUid}: JobPartExtendedDtoV1. */
export function jobPartExtended(job: Job, ctx: PartContext) {
  const input = record(job.input);
  const imported = record(ctx.importJob?.output);
  const level = job.people?.workflowLevel ?? 1;
  const state = importStatus(ctx.importJob);
  const segments = typeof imported.segments === 'number' ? imported.segments : 0;
  const sourceLang =
    typeof input.source_language === 'string'
      ? input.source_language
      : typeof imported.source_language === 'string'
        ? imported.source_language
        : (ctx.project.sourceLanguage ?? undefined); // Phrase takes it from the project
  return compact({
    uid: job.id,
    // Jobs of one file and language share the number of their first workflow step's job.
    innerId: String(ctx.reference?.firstNumber ?? job.number),
    status: phraseStatus(job),
    providers: providers(job),
    sourceLang,
    targetLang: typeof input.target_language === 'string' ? input.target_language : undefined,
    workflowLevel: level,
    workflowStep: workflowStep(job),
    filename: ctx.filename,
    dateDue: phraseDate(job.people?.dueAt),
    wordsCount: typeof input.words === 'number' ? input.words : 0,
    beginIndex: 0,
    endIndex: Math.max(0, segments - 1),
    isParentJobSplit: false,
    updateSourceDate: phraseDate(job.people?.sourceUpdatedAt),
    updateTargetDate: phraseDate(job.people?.targetUpdatedAt),
    dateCreated: phraseDate(job.createdAt)!,
    jobReference: { uid: job.people?.referenceId ?? job.id, filename: ctx.filename },
    project: { name: ctx.project.name, uid: ctx.project.id },
    lastWorkflowLevel: Math.max(level, ctx.reference?.lastLevel ?? 1),
    workUnit: {},
    importStatus: state,
    imported: state.status === 'OK',
    continuous: job.people?.continuous ?? false,
    continuousJobInfo:
      job.people?.continuous === true
        ? compact({ dateUpdated: phraseDate(job.people.continuousUpdatedAt ?? job.people.sourceUpdatedAt) })
        : undefined,
    originalFileDirectory: typeof input.path === 'string' ? input.path : undefined,
    serverTaskId: job.people?.importJobId ?? undefined,
  });
}

/** An item of List jobs (v2) and of Create job's `jobs`: the part's reference (JobPartReference). */
export function jobPartReference(job: Job, ctx: PartContext) {
  const input = record(job.input);
  const level = job.people?.workflowLevel ?? 1;
  return compact({
    uid: job.id,
    innerId: String(ctx.reference?.firstNumber ?? job.number),
    status: phraseStatus(job),
    providers: providers(job),
    targetLang: typeof input.target_language === 'string' ? input.target_language : undefined,
    workflowLevel: level,
    workflowStep: { name: job.type, id: job.type, uid: job.type, order: level, lqaEnabled: false },
    filename: ctx.filename,
    dateDue: phraseDate(job.people?.dueAt),
    dateCreated: phraseDate(job.createdAt)!,
    updateSourceDate: phraseDate(job.people?.sourceUpdatedAt),
    imported: importStatus(ctx.importJob).status === 'OK',
    continuous: job.people?.continuous ?? false,
    sourceFileUid: typeof input.file_id === 'string' ? input.file_id : undefined,
  });
}
