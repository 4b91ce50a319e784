import type { Readable } from 'node:stream';
import type { Principal } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import type { ProviderRef } from '../core/people.js';
import { appendEvent } from '../store/events.js';
import * as people from '../store/people.js';
import { findProject } from '../store/projects.js';
import type { Services } from './context.js';
import { uploadFile } from './files.js';
import { stateConflict } from './job-changes.js';
import { createJob } from './job-creation.js';
import { getJob } from './job-reads.js';
import { actorOf, checkProviders } from './people-jobs.js';

// Changes the customer makes to a people job itself (its actions are services/people.ts): editing its
// fields, removing it while its project is prepared, and giving it a new source document.

/** Jobs of a project can be edited or removed only while the project is prepared. */
async function checkEditable(services: Services, principal: Principal, job: Job): Promise<void> {
  if (principal.providerId !== undefined) throw new AppError('forbidden', "A provider's token cannot edit jobs.");
  if (job.executor !== 'people')
    throw new AppError('bad_request', 'Only jobs done by people can be edited or removed.');
  if (job.status !== 'pending') throw stateConflict(job, 'be edited');
  if (job.projectId === null) return;
  const project = await findProject(services.store.db, principal.workspaceId, job.projectId);
  if (project !== undefined && project.state !== 'prepared') {
    throw new AppError(
      'project_state_conflict',
      `The job's project is ${project.state}; its jobs can be edited or removed only while it is prepared.`,
      { extra: { project_state: project.state } },
    );
  }
}

export interface PeopleJobChange {
  name?: string | null | undefined;
  dueAt?: number | null | undefined;
  providers?: ProviderRef[] | undefined;
  input?: Record<string, unknown> | undefined;
}

export async function editPeopleJob(
  services: Services,
  principal: Principal,
  id: string,
  change: PeopleJobChange,
): Promise<Job> {
  const job = await getJob(services, principal, id);
  await checkEditable(services, principal, job);
  if (change.providers !== undefined)
    await checkProviders(services.store.db, principal, change.providers, '#/providers');
  const now = services.clock.now();
  const updated = await services.store.transaction(async (trx) => {
    if (change.providers !== undefined) {
      await appendEvent(trx, services.store, {
        jobId: id,
        name: 'job.action.assign',
        data: { action: 'assign', providers: change.providers },
        actor: actorOf(principal),
        at: now,
      });
    }
    return people.updatePeopleJob(trx, principal.workspaceId, id, {
      now,
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.dueAt !== undefined ? { dueAt: change.dueAt } : {}),
      ...(change.providers !== undefined ? { providers: change.providers } : {}),
      ...(change.input !== undefined ? { input: { ...(job.input as object), ...change.input } } : {}),
    });
  });
  if (updated === undefined) throw stateConflict(await getJob(services, principal, id), 'be edited');
  return updated;
}

export async function deletePeopleJob(services: Services, principal: Principal, id: string): Promise<void> {
  const job = await getJob(services, principal, id);
  await checkEditable(services, principal, job);
  if (!(await people.deletePeopleJob(services.store.db, principal.workspaceId, id)))
    throw stateConflict(await getJob(services, principal, id), 'be removed');
}

/**
 * A new version of a people job's source document: stored, imported by a new document-import job,
 * and the job waits for it (input_not_ready) when pending. An open job (running or delivered) accepts
 * one only when it is continuous.
 */
export async function updateSource(
  services: Services,
  principal: Principal,
  id: string,
  upload: { name: string; contentType: string; source: Readable | Buffer; storeOnly?: boolean },
): Promise<{ job: Job; importJob: Job }> {
  if (principal.providerId !== undefined)
    throw new AppError('forbidden', "A provider's token cannot change a job's source.");
  const job = await getJob(services, principal, id);
  if (job.executor !== 'people') throw new AppError('bad_request', 'Only jobs done by people take a source document.');
  const open = job.people?.continuous === true;
  if (!(job.status === 'pending' || (open && (job.status === 'running' || job.status === 'delivered')))) {
    throw stateConflict(job, open ? 'take a new source' : 'take a new source (only continuous jobs do while open)');
  }
  const file = await uploadFile(services, principal, upload);
  const now = services.clock.now();
  const input = job.input as { source_language?: string };
  const result = await services.store.transaction(async (trx) => {
    const importJob = await createJob(
      services,
      principal,
      {
        type: 'document-import',
        name: `Import ${upload.name}`,
        projectId: job.projectId ?? undefined,
        input: {
          file_id: file.id,
          ...(input.source_language !== undefined ? { source_language: input.source_language } : {}),
          ...(upload.storeOnly === true ? { store_only: true } : {}),
        },
      },
      trx,
    );
    await appendEvent(trx, services.store, {
      jobId: id,
      name: 'job.action.update_source',
      data: { action: 'update_source', file: { id: file.id, name: file.name }, import_job_id: importJob.id },
      actor: actorOf(principal),
      at: now,
    });
    const updated = await people.setJobSource(trx, principal.workspaceId, id, importJob.id, open, now);
    return updated === undefined ? undefined : { job: updated, importJob };
  });
  if (result === undefined) throw stateConflict(await getJob(services, principal, id), 'take a new source');
  services.wakeups.jobsAdded();
  return result;
}
