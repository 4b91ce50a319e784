import type { Principal } from '../../core/auth.js';
import { AppError } from '../../core/errors.js';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { actOnJob } from '../../services/people.js';
import { invalid } from './params.js';
import { actionsFor, parsePhraseStatus, PHRASE_STATUS_CONDITIONS, phraseStatus, type PhraseStatus } from './status.js';

// A Phrase status change (setStatus, Edit job, Edit jobs (batch)) carried out as the people actions of
// status.ts, each in the job's timeline with its actor.

export function requestedStatus(value: unknown, field: string): PhraseStatus {
  const status = parsePhraseStatus(value);
  if (status === undefined)
    throw invalid(`${field} must be one of ${Object.keys(PHRASE_STATUS_CONDITIONS).join(', ')}.`, {
      [field]: value ?? null,
    });
  return status;
}

export async function changeStatus(
  services: Services,
  principal: Principal,
  job: Job,
  requested: PhraseStatus,
): Promise<void> {
  const current = phraseStatus(job);
  const conflict = () =>
    new AppError('job_state_conflict', `The job's status cannot change from ${current} to ${requested}.`, {
      extra: { phraseArgs: { status: current, requestedStatus: requested } },
    });
  const actions = actionsFor(current, requested);
  if (actions === undefined) throw conflict();
  for (const action of actions) {
    await actOnJob(services, principal, job.id, action).catch((error: unknown) => {
      // A race lost or a step the job is not ready for: say it in Phrase's terms.
      if (error instanceof AppError && error.code === 'job_state_conflict') throw conflict();
      throw error;
    });
  }
}
