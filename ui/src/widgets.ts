import type { Job, JobStatus } from './api.js';
import { h } from './dom.js';

export const STATUSES: JobStatus[] = [
  'pending',
  'running',
  'delivered',
  'succeeded',
  'failed',
  'cancelling',
  'cancelled',
];

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}` }, status);
}

/** A native progress bar: screen readers announce its value; an unknown progress shows as indeterminate. */
export function progressBar(
  job: Pick<Job, 'progress' | 'status' | 'name' | 'id'>,
  label?: string,
): HTMLProgressElement {
  const bar = h('progress', { max: 100, 'aria-label': label ?? `Progress of ${job.name ?? job.id}` });
  setProgress(bar, job);
  return bar;
}

export function setProgress(bar: HTMLProgressElement, job: Pick<Job, 'progress' | 'status'>): void {
  const value = job.status === 'succeeded' ? 100 : job.progress;
  if (value === null || value === undefined) bar.removeAttribute('value');
  else bar.value = value;
  bar.textContent = value === null || value === undefined ? '' : `${value}%`;
}

export function jobTitle(job: Pick<Job, 'name' | 'type' | 'number'>): string {
  return job.name ?? `${job.type} #${job.number}`;
}

/** A short live/reconnecting indicator for views that follow a stream. */
export function liveIndicator(): {
  el: HTMLElement;
  set(state: 'live' | 'reconnecting' | 'ended' | 'connecting'): void;
} {
  const el = h('span', { class: 'live', 'data-state': 'connecting' }, 'Connecting…');
  const text = { live: 'Live', reconnecting: 'Reconnecting…', ended: 'Finished', connecting: 'Connecting…' };
  return { el, set: (state) => ((el.dataset.state = state), (el.textContent = text[state])) };
}
