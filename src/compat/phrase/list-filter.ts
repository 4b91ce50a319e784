import { isUuid } from '../../core/ids.js';
import { LANGUAGE_PATTERN } from '../../core/people.js';
import type { Project } from '../../core/project.js';
import type { PeopleJobFilter } from '../../store/people-views.js';
import { first, integer, invalid } from './params.js';
import { parsePhraseStatus, PHRASE_STATUS_CONDITIONS, type PhraseStatus } from './status.js';

// The query of List jobs (v2): workflowLevel, status (repeated or comma-separated), targetLang,
// filename, assignedUser, assignedVendor and dueInHours, as one filter of the project's people jobs.

const HOUR = 3_600_000;
const LANGUAGE = new RegExp(LANGUAGE_PATTERN);

/** A filter no job passes (an assignee that is not a Jobline provider id: Phrase's ids are numbers). */
export const NOTHING = Symbol('nothing');

function statuses(query: Record<string, unknown>): PhraseStatus[] {
  const raw = query.status;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .flatMap((v) => String(v).split(','))
    .filter((v) => v !== '');
  return values.map((v) => {
    const status = parsePhraseStatus(v);
    if (status === undefined)
      throw invalid(`status ${JSON.stringify(v)} is not one of ${Object.keys(PHRASE_STATUS_CONDITIONS).join(', ')}.`, {
        status: v,
      });
    return status;
  });
}

export function parseBoolean(query: Record<string, unknown>, name: string): boolean {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return false;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw invalid(`${name} must be true or false.`, { [name]: raw });
}

function text(query: Record<string, unknown>, name: string): string | undefined {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 1000 || raw.includes('\u0000'))
    throw invalid(`${name} must be text of at most 1000 characters.`, { [name]: raw });
  return raw;
}

export function listFilter(
  query: Record<string, unknown>,
  project: Project,
  now: number,
): PeopleJobFilter | typeof NOTHING {
  const filter: PeopleJobFilter = {
    workspaceId: project.workspaceId,
    projectId: project.id,
    executor: 'people',
    workflowLevel: integer(query, 'workflowLevel', 1, 1, 15),
    conditions: statuses(query).map((s) => PHRASE_STATUS_CONDITIONS[s]),
  };
  const targetLang = text(query, 'targetLang');
  if (targetLang !== undefined) {
    if (!LANGUAGE.test(targetLang)) throw invalid('targetLang must be a language code, e.g. de.', { targetLang });
    filter.targetLanguage = targetLang;
  }
  filter.filename = text(query, 'filename');
  // "-1 for jobs that are overdue"; otherwise the jobs due within that many hours from now.
  const dueInHours = integer(query, 'dueInHours', Number.NaN, -1, 1_000_000);
  if (dueInHours === -1) filter.dueTo = now;
  else if (!Number.isNaN(dueInHours)) {
    filter.dueFrom = now;
    filter.dueTo = now + dueInHours * HOUR;
  }
  const user = text(query, 'assignedUser');
  const vendor = text(query, 'assignedVendor');
  if (user !== undefined && vendor !== undefined) {
    if (user.toLowerCase() !== vendor.toLowerCase()) return NOTHING; // one provider is a user or a vendor
  }
  const assignee = user ?? vendor;
  if (assignee !== undefined) {
    if (!isUuid(assignee)) return NOTHING;
    filter.provider = { id: assignee.toLowerCase(), type: user !== undefined ? 'user' : 'vendor' };
  }
  return filter;
}
