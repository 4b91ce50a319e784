import { JOB_STATUSES, PEOPLE_ACTIONS, TERMINAL_STATUSES } from './lifecycle.js';

// The names of a job's events (docs/api.md, Events; the job_events table). Status changes are named after the status
// they reach, so a webhook can subscribe to `job.succeeded` alone; the rest name what happened.
// Dotted and hierarchical, as Standard Webhooks recommends for `type`.

export const STATUS_EVENTS = JOB_STATUSES.map((s) => `job.${s}` as const);

export const EVENT_NAMES = [
  'job.created',
  ...STATUS_EVENTS,
  'job.progress',
  'job.attempt.failed',
  'job.file.added',
  // Actions on people jobs, with the actor who took them (status changes they cause are job.<status>).
  ...PEOPLE_ACTIONS.map((a) => `job.action.${a}` as const),
  'job.action.assign',
  'job.action.update_source',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The events after which a job has nothing more to say (unless a client retries it). */
export const TERMINAL_EVENTS: readonly string[] = TERMINAL_STATUSES.map((s) => `job.${s}`);

export function isTerminalEvent(name: string): boolean {
  return TERMINAL_EVENTS.includes(name);
}

/**
 * A subscription's filter: exact names, `job.*`-style prefixes, or `*` for everything. Returns the
 * entries that match no known event (so a typo is a 422, not a webhook that never fires).
 */
export function unknownEventPatterns(patterns: readonly string[], known: readonly string[] = EVENT_NAMES): string[] {
  return patterns.filter((p) => !known.some((name) => matchesPattern(name, p)));
}

export function matchesPattern(name: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesPattern(name, p));
}

/** One entry of a job's timeline, as the services see it. */
export interface JobEvent {
  /** The workspace feed's cursor for this event (opaque to clients). */
  cursor: string;
  jobId: string;
  workspaceId: string;
  projectId: string | null;
  jobType: string;
  /** 1, 2, 3… within the job. */
  seq: number;
  name: string;
  data: Record<string, unknown>;
  /** Who caused it: a worker id, a token or provider id; null for the system. */
  actor: string | null;
  createdAt: number;
}
