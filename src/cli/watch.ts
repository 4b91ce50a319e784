import { isTerminalEvent } from '../core/events.js';
import type { EventRepresentation, JoblineClient, followJob as FollowJob } from '../client/client.js';

// `jobline jobs watch` and `jobs wait`: follow a job's event stream to its end. The exit code tells
// the outcome, so scripts can branch on it without parsing output.

export const EXIT = { succeeded: 0, failed: 2, cancelled: 3, timedOut: 124 } as const;

export interface WatchOptions {
  /** `wait`: print nothing but the final job with --json. */
  quiet: boolean;
  json: boolean;
  timeoutMs: number | undefined;
  out: NodeJS.WriteStream;
}

const BAR_WIDTH = 30;

export function progressLine(percent: number, message: string | null, width = BAR_WIDTH): string {
  const p = Math.max(0, Math.min(100, percent));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.toFixed(0).padStart(3)}%${message !== null && message !== '' ? ` ${message}` : ''}`;
}

/** What a watcher knows of the job: its status and, once it runs, its progress. */
interface Shown {
  status: string;
  reason: string | null;
  progress: number;
  message: string | null;
}

const statusText = (j: Shown) => (j.reason !== null ? `${j.status} (${j.reason})` : j.status);

/** The line a terminal keeps redrawn: the status, and the bar once the job runs or has progress. */
export function liveLine(j: Shown): string {
  return j.status === 'running' || j.progress > 0
    ? `${statusText(j)} ${progressLine(j.progress, j.message)}`
    : statusText(j);
}

/** The plain line an event adds to a log or a pipe, or undefined when it changes nothing shown. */
function logLine(e: EventRepresentation): string | undefined {
  if (e.type === 'job.progress') {
    const message = (e.data.message as string | null | undefined) ?? null;
    return `${Math.max(0, Math.min(100, Number(e.data.progress))).toFixed(0)}%${message !== null && message !== '' ? ` ${message}` : ''}`;
  }
  // The terminal status is the last line, with the error if any.
  if (typeof e.data.status !== 'string' || isTerminalEvent(e.type)) return undefined;
  return statusText({
    status: e.data.status,
    reason: typeof e.data.status_reason === 'string' ? e.data.status_reason : null,
    progress: 0,
    message: null,
  });
}

export async function watchJob(
  follow: typeof FollowJob,
  client: JoblineClient,
  id: string,
  o: WatchOptions,
): Promise<number> {
  const abort = new AbortController();
  let timedOut = false;
  const timer =
    o.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), abort.abort()), o.timeoutMs);
  // A terminal keeps one line redrawn in place; a pipe or a log gets one plain line per change, in the
  // order the job's events tell them (from its creation), with no control characters.
  const live = o.out.isTTY === true && !o.quiet && !o.json;
  const log = !live && !o.quiet && !o.json;
  let lastLine = '';
  const show = (line: string | undefined) => {
    if (line === undefined || line === lastLine) return;
    lastLine = line;
    if (live) o.out.write(`\r\x1b[2K${line}`);
    else if (log) o.out.write(`${line}\n`);
  };
  let final: EventRepresentation | undefined;
  try {
    const job = await client.getJob(id);
    const state: Shown = {
      status: job.status,
      reason: job.status_reason,
      progress: job.progress,
      message: job.progress_message,
    };
    if (live) show(liveLine(state));
    for await (const e of follow(client, id, { signal: abort.signal })) {
      if (e.type === 'job.progress')
        Object.assign(state, {
          progress: Number(e.data.progress),
          message: (e.data.message as string | null | undefined) ?? null,
        });
      else if (typeof e.data.status === 'string')
        Object.assign(state, {
          status: e.data.status,
          reason: typeof e.data.status_reason === 'string' ? e.data.status_reason : null,
        });
      show(live ? liveLine(state) : logLine(e));
      if (isTerminalEvent(e.type)) final = e;
    }
  } finally {
    clearTimeout(timer);
  }
  if (live) o.out.write('\n');
  const job = await client.getJob(id);
  if (o.json) o.out.write(`${JSON.stringify(job, null, 2)}\n`);
  if (timedOut && final === undefined) {
    if (!o.quiet && !o.json) o.out.write(`still ${job.status} after the timeout\n`);
    return EXIT.timedOut;
  }
  if (!o.quiet && !o.json) o.out.write(`${job.status}${job.error !== null ? `: ${job.error.message}` : ''}\n`);
  return job.status === 'succeeded'
    ? EXIT.succeeded
    : job.status === 'cancelled'
      ? EXIT.cancelled
      : job.status === 'failed'
        ? EXIT.failed
        : EXIT.timedOut;
}
