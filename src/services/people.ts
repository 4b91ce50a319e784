import type { Readable } from 'node:stream';
import type { Principal } from '../core/auth.js';
import { AppError, validationFailed } from '../core/errors.js';
import type { Job } from '../core/job.js';
import {
  NOT_READY_REASONS,
  PEOPLE_ACTORS,
  PEOPLE_TRANSITIONS,
  isTerminal,
  type PeopleAction,
} from '../core/lifecycle.js';
import type { ProviderRef } from '../core/people.js';
import { appendEvent } from '../store/events.js';
import { findJob } from '../store/jobs.js';
import * as people from '../store/people.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';
import { writeJobFile } from './files.js';
import { getJob } from './job-reads.js';
import { stateConflict } from './job-changes.js';
import { actorOf, checkProviders } from './people-jobs.js';
import { jobFor } from '../core/provider-view.js';

// The actions on work done by people (docs/api.md People work, core/lifecycle.ts PEOPLE_TRANSITIONS). Each is
// one guarded UPDATE plus its event (`job.action.<action>`, with the actor) in one transaction, so two
// racing requests cannot both win and every action that happened is in the job's timeline.

/** Actions that work on the job's document: refused with 400 job_not_ready until it is imported and earlier steps are done. */
const NEEDS_DOCUMENT: readonly PeopleAction[] = ['offer', 'accept', 'decline', 'deliver'];

export interface ActionOptions {
  /** offer: the providers to offer the job to (replacing those it has). */
  providers?: ProviderRef[] | undefined;
  /** offer: a new due date. */
  dueAt?: number | null | undefined;
  /** Free text kept with the event (a revision request's instructions, a reason to reject…). */
  comment?: string | undefined;
  /** deliver: the delivered file. */
  file?: { name: string; contentType: string; source: Readable | Buffer } | undefined;
}

const VERBS: Record<PeopleAction, string> = {
  offer: 'be offered',
  accept: 'be accepted',
  decline: 'be declined',
  deliver: 'be delivered',
  request_revision: 'get a revision request',
  accept_delivery: 'have its delivery accepted',
  reject: 'be rejected',
  cancel: 'be cancelled',
  reopen: 'be reopened',
};

export async function actOnJob(
  services: Services,
  principal: Principal,
  id: string,
  action: PeopleAction,
  options: ActionOptions = {},
): Promise<Job> {
  // A provider's answer shows the job as the provider reads it (provider-view.ts).
  return jobFor(
    await act(services, principal, await getJob(services, principal, id), action, options),
    principal.providerId,
  );
}

/** POST /v1/jobs/{id}/cancel of a people job: pending, running or delivered → cancelled at once. */
export async function cancelPeopleJob(services: Services, principal: Principal, job: Job): Promise<Job> {
  return act(services, principal, job, 'cancel', {});
}

function notReady(job: Job): AppError {
  const detail =
    job.statusReason === 'input_not_ready'
      ? job.error !== null
        ? `The job's source document could not be imported (${job.error.message}); retry the import job ${job.people?.importJobId ?? ''} or upload a new source.`
        : "The job's source document is still being imported; try again when its status_reason is no longer input_not_ready."
      : 'An earlier workflow step of this job has not succeeded yet.';
  return new AppError('job_not_ready', detail, {
    extra: { status: job.status, status_reason: job.statusReason, import_job_id: job.people?.importJobId ?? null },
  });
}

async function act(
  services: Services,
  principal: Principal,
  job: Job,
  action: PeopleAction,
  options: ActionOptions,
): Promise<Job> {
  if (job.executor !== 'people') throw stateConflict(job, VERBS[action]);
  if (PEOPLE_ACTORS[action] === 'customer' && principal.providerId !== undefined) {
    throw new AppError(
      'forbidden',
      `Only the customer (a token with jobs:write) may ${action.replace('_', ' ')}; a provider's token may accept, decline and deliver.`,
    );
  }
  const t = PEOPLE_TRANSITIONS[action];
  const check = (current: Job): void => {
    if (!t.from.includes(current.status)) throw stateConflict(current, VERBS[action]);
    if (
      NEEDS_DOCUMENT.includes(action) &&
      current.statusReason !== null &&
      NOT_READY_REASONS.includes(current.statusReason)
    )
      throw notReady(current);
  };
  check(job);
  let providers: ProviderRef[] | undefined;
  if (action === 'offer') {
    providers = options.providers ?? job.people?.providers ?? [];
    if (providers.length === 0)
      throw validationFailed([
        { pointer: '#/providers', detail: 'the job has no providers to offer it to; name them in providers' },
      ]);
    await checkProviders(services.store.db, principal, providers, '#/providers');
  }
  // The first provider to accept takes the job; it is no longer offered to the others.
  if (action === 'accept' && principal.providerId !== undefined) {
    providers = (job.people?.providers ?? []).filter((p) => p.id === principal.providerId);
  }
  const now = services.clock.now();
  const file =
    action === 'deliver' && options.file !== undefined
      ? await writeJobFile(services, job, options.file.name, options.file.contentType, options.file.source)
      : undefined;
  const lost = new Error('lost');
  try {
    return await services.store.transaction(async (trx) => {
      // The action first, then the status change it causes: the timeline reads in that order.
      await appendEvent(trx, services.store, {
        jobId: job.id,
        name: `job.action.${action}`,
        data: {
          action,
          from: job.status,
          to: t.to,
          ...(providers !== undefined ? { providers } : {}),
          ...(options.comment !== undefined ? { comment: options.comment } : {}),
          ...(file !== undefined ? { file: { id: file.id, name: file.name } } : {}),
        },
        actor: actorOf(principal),
        at: now,
      });
      const changed = await people.transitionPeopleJob(trx, principal.workspaceId, job.id, {
        from: t.from,
        to: t.to,
        reason: t.reason,
        notReasons: NEEDS_DOCUMENT.includes(action) ? NOT_READY_REASONS : undefined,
        now,
        providers,
        ...(action === 'offer' && options.dueAt !== undefined ? { dueAt: options.dueAt } : {}),
        ...(action === 'accept' ? { startedAt: now } : {}),
        ...(isTerminal(t.to) ? { completedAt: now } : action === 'reopen' ? { completedAt: null } : {}),
        ...(action === 'deliver' ? { targetUpdatedAt: now } : {}),
        ...(action === 'reject'
          ? { error: { message: options.comment ?? 'The delivery was rejected.', code: 'rejected' } }
          : {}),
        ...(action === 'reopen' ? { error: null } : {}),
      });
      if (changed === undefined) throw lost;
      if (action === 'accept_delivery' && changed.people?.referenceId != null)
        await people.releaseNextSteps(trx, principal.workspaceId, changed.people.referenceId, now);
      if (isTerminal(t.to) && changed.projectId !== null)
        await finishProjectIfDone(trx, principal.workspaceId, changed.projectId, now);
      return changed;
    });
  } catch (error) {
    if (error !== lost) throw error;
    // Someone else changed the job first: decide again on what it is now (409 or 400 job_not_ready).
    // Read past the provider filter: a provider that lost an accept race is no longer on the job,
    // but it was offered the job and should learn that someone else took it (409), not a 404.
    const current =
      (await findJob(services.store.db, principal.workspaceId, job.id)) ?? (await getJob(services, principal, job.id));
    check(current);
    throw stateConflict(current, VERBS[action]);
  }
}

/** A running project whose people jobs have all finished is finished. */
export async function finishProjectIfDone(
  db: Executor,
  workspaceId: string,
  projectId: string,
  now: number,
): Promise<void> {
  if ((await people.openPeopleJobs(db, workspaceId, projectId)).length > 0) return;
  await people.setProjectState(db, workspaceId, projectId, ['running'], 'finished', now);
}
