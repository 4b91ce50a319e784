import type { Job } from '../../core/job.js';
import type { PeopleAction } from '../../core/lifecycle.js';
import type { StatusCondition } from '../../store/people-views.js';

// Phrase TMS job statuses as Jobline's native status and reason (docs/api.md, People work; repeated in
// docs/compat.md). This table is the whole mapping: rendering, the `status` filter of the job list and
// setStatus all read it.

export const PHRASE_STATUSES = [
  'NEW',
  'ACCEPTED',
  'DECLINED',
  'REJECTED',
  'DELIVERED',
  'EMAILED',
  'COMPLETED',
  'CANCELLED',
] as const;
export type PhraseStatus = (typeof PHRASE_STATUSES)[number];

/** Each Phrase status as the native jobs it covers (one vendor status, one condition; no overlaps). */
export const PHRASE_STATUS_CONDITIONS: Readonly<Record<PhraseStatus, StatusCondition>> = {
  NEW: { statuses: ['pending'], notReasons: ['offered', 'declined'] }, // new, input_not_ready, waiting, reopened
  EMAILED: { statuses: ['pending'], reasons: ['offered'] },
  DECLINED: { statuses: ['pending'], reasons: ['declined'] },
  ACCEPTED: { statuses: ['running'] }, // accepted, revision_requested
  DELIVERED: { statuses: ['delivered'] },
  COMPLETED: { statuses: ['succeeded'] },
  REJECTED: { statuses: ['failed'] },
  CANCELLED: { statuses: ['cancelled', 'cancelling'] },
};

export function phraseStatus(job: Pick<Job, 'status' | 'statusReason'>): PhraseStatus {
  for (const status of PHRASE_STATUSES) {
    const c = PHRASE_STATUS_CONDITIONS[status];
    if (!c.statuses.includes(job.status)) continue;
    const reason = job.statusReason;
    if (c.reasons !== undefined && (reason === null || !c.reasons.includes(reason))) continue;
    if (c.notReasons !== undefined && reason !== null && c.notReasons.includes(reason)) continue;
    return status;
  }
  return 'NEW';
}

/** Phrase enums are case-insensitive on input ("Enums are always case-insensitive", Data Types TMS). */
export function parsePhraseStatus(value: unknown): PhraseStatus | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (PHRASE_STATUSES as readonly string[]).includes(upper) ? (upper as PhraseStatus) : undefined;
}

/**
 * setStatus {requestedStatus}: the people actions that take a job from its current Phrase status to
 * the requested one, in order; undefined when there is no such way (an illegal change). Asking for the
 * status a job has already changes nothing.
 */
export function actionsFor(from: PhraseStatus, to: PhraseStatus): PeopleAction[] | undefined {
  if (from === to) return [];
  switch (to) {
    case 'NEW':
      return ['COMPLETED', 'REJECTED', 'CANCELLED'].includes(from) ? ['reopen'] : undefined;
    case 'EMAILED':
      return ['NEW', 'DECLINED'].includes(from) ? ['offer'] : undefined;
    case 'DECLINED':
      return ['NEW', 'EMAILED'].includes(from) ? ['decline'] : undefined;
    case 'ACCEPTED':
      // Back from DELIVERED is a revision request: the linguist works on it again.
      return ['NEW', 'EMAILED', 'DECLINED'].includes(from)
        ? ['accept']
        : from === 'DELIVERED'
          ? ['request_revision']
          : undefined;
    case 'DELIVERED':
      return from === 'ACCEPTED' ? ['deliver'] : undefined;
    case 'COMPLETED':
      // A linguist completing an accepted job hands it in and it is accepted, in Phrase one step.
      return from === 'DELIVERED'
        ? ['accept_delivery']
        : from === 'ACCEPTED'
          ? ['deliver', 'accept_delivery']
          : undefined;
    case 'REJECTED':
      return ['ACCEPTED', 'DELIVERED'].includes(from) ? ['reject'] : undefined;
    case 'CANCELLED':
      return ['NEW', 'EMAILED', 'DECLINED', 'ACCEPTED', 'DELIVERED'].includes(from) ? ['cancel'] : undefined;
  }
}
