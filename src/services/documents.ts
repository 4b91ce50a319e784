import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/auth.js';
import { AppError, validationFailed } from '../core/errors.js';
import type { Job } from '../core/job.js';
import { normalizeLanguage, type ProjectRate, type ProjectState, type ProviderRef } from '../core/people.js';
import type { Project } from '../core/project.js';
import { appendEvent } from '../store/events.js';
import * as people from '../store/people.js';
import { listRates, replaceRates } from '../store/project-rates.js';
import { findProject } from '../store/projects.js';
import type { Services } from './context.js';
import { getFile } from './files.js';
import { createJobs, type CreateJobInput } from './job-creation.js';
import { actorOf } from './people-jobs.js';
import { getProject } from './projects.js';

// A project's work from a document: one document-import machine job, and one people job per target
// language × workflow step. The jobs of one language share a reference_id; workflow_level numbers the
// steps. They wait (input_not_ready) until the import succeeded — a trigger of migration 0007 then
// gives them the word count and price — and a step becomes available once the steps before it succeeded.

export interface DocumentWork {
  fileId: string;
  sourceLanguage?: string | undefined;
  targetLanguages: string[];
  /** Defaults to the project's workflow_steps. */
  steps?: string[] | undefined;
  dueAt?: number | undefined;
  continuous?: boolean | undefined;
  /** Input fields every people job gets (quality, topic, briefing…). */
  input?: Record<string, unknown> | undefined;
  /** Providers per target language, optionally per workflow level (all levels when absent). */
  assignments?: { targetLanguage: string; workflowLevel?: number | undefined; providers: ProviderRef[] }[] | undefined;
  /** Where each people job's events are delivered (as callback_url on POST /v1/jobs; Phrase's callbackUrl). */
  callbackUrl?: string | undefined;
}

export async function createDocumentWork(
  services: Services,
  principal: Principal,
  projectId: string,
  work: DocumentWork,
): Promise<{ importJob: Job; jobs: Job[] }> {
  if (principal.providerId !== undefined) throw new AppError('forbidden', "A provider's token cannot create jobs.");
  const project = await getProject(services, principal, projectId);
  if (project.state === 'finished' || project.state === 'cancelled') {
    throw new AppError('project_state_conflict', `The project is ${project.state}; it takes no new work.`, {
      extra: { project_state: project.state },
    });
  }
  const file = await getFile(services, principal, work.fileId); // 404 for another workspace's file
  const steps = work.steps ?? project.workflowSteps;
  if (steps.length === 0)
    throw validationFailed([
      {
        pointer: '#/steps',
        detail: 'the project has no workflow_steps; name the steps of this work (e.g. ["translation"])',
      },
    ]);
  const languages = [...new Set(work.targetLanguages)];
  const now = services.clock.now();
  const result = await services.store.transaction(async (trx) => {
    const [importJob] = await createJobs(
      services,
      principal,
      [
        {
          type: 'document-import',
          name: `Import ${file.name}`,
          projectId,
          input: {
            file_id: file.id,
            ...(work.sourceLanguage !== undefined ? { source_language: work.sourceLanguage } : {}),
          },
        },
      ],
      trx,
    );
    const inputs: CreateJobInput[] = languages.flatMap((language) => {
      const referenceId = randomUUID();
      return steps.map((step, index) => {
        const level = index + 1;
        const assigned = (work.assignments ?? []).filter(
          (a) =>
            normalizeLanguage(a.targetLanguage) === normalizeLanguage(language) &&
            (a.workflowLevel === undefined || a.workflowLevel === level),
        );
        return {
          type: step,
          name: `${file.name} → ${language} (${step})`,
          projectId,
          callbackUrl: work.callbackUrl,
          input: {
            ...work.input,
            file_id: file.id,
            ...(work.sourceLanguage !== undefined ? { source_language: work.sourceLanguage } : {}),
            target_language: language,
          },
          people: {
            providers: assigned.flatMap((a) => a.providers),
            dueAt: work.dueAt ?? null,
            referenceId,
            workflowLevel: level,
            continuous: work.continuous ?? false,
            importJobId: importJob!.id,
            sourceUpdatedAt: now,
            targetUpdatedAt: null,
            continuousUpdatedAt: null,
            statusReason: 'input_not_ready',
          },
        };
      });
    });
    const jobs = await createJobs(services, principal, inputs, trx);
    return { importJob: importJob!, jobs };
  });
  services.wakeups.jobsAdded();
  return result;
}

/**
 * prepared → running: the project's available jobs with providers are offered to them (jobs that
 * become available later are offered as they do).
 */
export async function startProject(services: Services, principal: Principal, id: string): Promise<Project> {
  return changeState(services, principal, id, ['prepared'], 'running', async (trx, now) => {
    const offered = await people.offerProjectJobs(trx, principal.workspaceId, id, now);
    for (const job of offered) {
      await appendEvent(trx, services.store, {
        jobId: job.id,
        name: 'job.action.offer',
        data: {
          action: 'offer',
          from: 'pending',
          to: 'pending',
          providers: job.people?.providers ?? [],
          by: 'project_start',
        },
        actor: actorOf(principal),
        at: now,
      });
    }
  });
}

/** prepared or running → cancelled: its unfinished people jobs are cancelled with it. */
export async function cancelProject(services: Services, principal: Principal, id: string): Promise<Project> {
  return changeState(services, principal, id, ['prepared', 'running'], 'cancelled', async (trx, now) => {
    for (const open of await people.openPeopleJobs(trx, principal.workspaceId, id)) {
      await appendEvent(trx, services.store, {
        jobId: open.id,
        name: 'job.action.cancel',
        data: { action: 'cancel', from: open.status, to: 'cancelled', by: 'project_cancel' },
        actor: actorOf(principal),
        at: now,
      });
      await people.transitionPeopleJob(trx, principal.workspaceId, open.id, {
        from: [open.status],
        to: 'cancelled',
        reason: 'cancelled_by_client',
        now,
        completedAt: now,
      });
    }
  });
}

async function changeState(
  services: Services,
  principal: Principal,
  id: string,
  from: ProjectState[],
  to: ProjectState,
  then: (trx: Parameters<Parameters<Services['store']['transaction']>[0]>[0], now: number) => Promise<void>,
): Promise<Project> {
  if (principal.providerId !== undefined) throw new AppError('forbidden', "A provider's token cannot change projects.");
  await getProject(services, principal, id);
  const now = services.clock.now();
  const changed = await services.store.transaction(async (trx) => {
    if (!(await people.setProjectState(trx, principal.workspaceId, id, from, to, now))) return false;
    await then(trx, now);
    // A started project whose jobs are all done already is finished.
    if (to === 'running' && (await people.openPeopleJobs(trx, principal.workspaceId, id)).length === 0)
      await people.setProjectState(trx, principal.workspaceId, id, ['running'], 'finished', now);
    return true;
  });
  const project = (await findProject(services.store.db, principal.workspaceId, id))!;
  if (!changed) {
    throw new AppError('project_state_conflict', `The project is ${project.state}; it cannot become ${to}.`, {
      extra: { project_state: project.state },
    });
  }
  return project;
}

export async function projectRates(services: Services, principal: Principal, id: string): Promise<ProjectRate[]> {
  await getProject(services, principal, id);
  return listRates(services.store.db, id);
}

/** Replaces the project's rates; jobs imported afterwards are priced with them. */
export async function replaceProjectRates(
  services: Services,
  principal: Principal,
  id: string,
  rates: ProjectRate[],
): Promise<ProjectRate[]> {
  if (principal.providerId !== undefined) throw new AppError('forbidden', "A provider's token cannot change rates.");
  await getProject(services, principal, id);
  const normalized = rates.map((r) => ({
    ...r,
    sourceLanguage: normalizeLanguage(r.sourceLanguage),
    targetLanguage: normalizeLanguage(r.targetLanguage),
  }));
  const pairs = new Set<string>();
  normalized.forEach((r, i) => {
    const key = `${r.sourceLanguage}>${r.targetLanguage}`;
    if (pairs.has(key))
      throw validationFailed([{ pointer: `#/rates/${i}`, detail: `the pair ${key} has more than one rate` }]);
    pairs.add(key);
  });
  await services.store.transaction((trx) => replaceRates(trx, id, normalized));
  return listRates(services.store.db, id);
}
