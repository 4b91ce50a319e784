import type { JobEvent } from '../../core/events.js';
import type { FormCallback } from '../../events/dispatcher.js';
import type { Job } from '../../core/job.js';
import type { JobStatus } from '../../core/lifecycle.js';
import type { Executor, Store } from '../../store/store.js';
import { statusHistoryOfJobs, textkingCallbacksOfJobs, type TextKingCallback } from '../../store/textking-callbacks.js';
import { TEXTKING_JOB_STATES, textkingJobState, type TextKingJobState } from './states.js';

// When TextKing callbacks fire. "TEXTKING sends a POST request to the URL once the job changes to the
// trigger state" (wiki, Using callbacks to monitor translation progress): the dispatcher asks, for the
// events it reads, which of them move a job into a state one of its callbacks waits for. The state
// after each event is computed from the job's own events in order, so a dispatcher that lags behind
// still sees every state the job went through, not just where it is now.

/** The states a callback may wait for: every job state but `new`, which a job only ever starts in. */
export const CALLBACK_TRIGGER_STATES: readonly TextKingJobState[] = TEXTKING_JOB_STATES.filter((s) => s !== 'new');

// Pending reasons a job has before its project hands out work.
const UNSTARTED_REASONS = new Set(['new', 'input_not_ready', 'waiting']);

interface HistoryEvent {
  seq: number;
  name: string;
  data: Record<string, unknown>;
}

/**
 * The TextKing state after each of a job's events (by seq). Status and reason come from the events
 * that record them (`job.created`, `job.<status>`). Whether the project has started is what the job's
 * events show: an offer (the project's start offers its jobs that have providers), or any status or
 * reason that only work handed out leads to. A job without providers shows no event at the start; it
 * becomes translation-pending here when it is offered.
 */
export function statesAfterEvents(events: readonly HistoryEvent[]): Map<number, TextKingJobState> {
  const states = new Map<number, TextKingJobState>();
  let status: JobStatus = 'pending';
  let reason: string | null = 'new';
  let started = false;
  for (const e of events) {
    if (typeof e.data.status === 'string' && (e.name === 'job.created' || e.name === `job.${e.data.status}`)) {
      status = e.data.status as JobStatus;
      reason = typeof e.data.status_reason === 'string' ? e.data.status_reason : null;
    }
    if (e.name === 'job.action.offer' || status !== 'pending' || (reason !== null && !UNSTARTED_REASONS.has(reason)))
      started = true;
    states.set(
      e.seq,
      textkingJobState({ status, statusReason: reason as Job['statusReason'] }, started ? 'running' : 'prepared'),
    );
  }
  return states;
}

export interface CallbackTrigger {
  event: JobEvent;
  callback: TextKingCallback;
  /** The form-encoded body: `project_id`, `job_id`, `extra_data`. */
  payload: string;
}

export function callbackPayload(projectId: string | null, jobId: string, extraData: string | null): string {
  return new URLSearchParams({ project_id: projectId ?? '', job_id: jobId, extra_data: extraData ?? '' }).toString();
}

/**
 * The callbacks these events trigger, in event order: an event triggers a callback of its job when it
 * moves the job into the callback's trigger state. Events from before a callback was registered do not
 * trigger it.
 */
export async function textkingCallbackTriggers(
  db: Executor,
  store: Store,
  events: readonly JobEvent[],
): Promise<CallbackTrigger[]> {
  const callbacks = await textkingCallbacksOfJobs(db, [...new Set(events.map((e) => e.jobId))]);
  if (callbacks.length === 0) return [];
  const byJob = new Map<string, TextKingCallback[]>();
  for (const c of callbacks) byJob.set(c.jobId, [...(byJob.get(c.jobId) ?? []), c]);
  const history = await statusHistoryOfJobs(db, store, [...byJob.keys()]);
  const states = new Map<string, Map<number, TextKingJobState>>();
  for (const jobId of byJob.keys()) states.set(jobId, statesAfterEvents(history.filter((h) => h.jobId === jobId)));
  const triggers: CallbackTrigger[] = [];
  for (const e of events) {
    const jobStates = states.get(e.jobId);
    if (jobStates === undefined) continue;
    const after = jobStates.get(e.seq);
    if (after === undefined || after === jobStates.get(e.seq - 1)) continue;
    for (const callback of byJob.get(e.jobId)!) {
      if (callback.triggerState === after && e.createdAt >= callback.createdAt)
        triggers.push({ event: e, callback, payload: callbackPayload(e.projectId, e.jobId, callback.extraData) });
    }
  }
  return triggers;
}

/** The dispatcher's source of TextKing callbacks (registered by compat/index.ts). */
export async function textkingFormCallbacks(
  db: Executor,
  store: Store,
  events: readonly JobEvent[],
): Promise<FormCallback[]> {
  return (await textkingCallbackTriggers(db, store, events)).map((t) => ({
    event: t.event,
    url: t.callback.url,
    payload: t.payload,
    key: `textking:${t.callback.id}`,
  }));
}
