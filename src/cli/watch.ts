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

export async function watchJob(follow: typeof FollowJob, client: JoblineClient, id: string, o: WatchOptions): Promise<number> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), abort.abort()), o.timeoutMs);
  // A terminal keeps one line redrawn in place; a pipe or a log gets one line per change.
  const live = o.out.isTTY === true && !o.quiet && !o.json;
  let lastLine = '';
  const show = (line: string) => {
    if (o.quiet || o.json || line === lastLine) return;
    lastLine = line;
    if (live) o.out.write(`\r\x1b[2K${line}`);
    else o.out.write(`${line}\n`);
  };
  let final: EventRepresentation | undefined;
  try {
    const job = await client.getJob(id);
    show(progressLine(job.progress, job.progress_message));
    for await (const e of follow(client, id, { signal: abort.signal })) {
      if (e.type === 'job.progress') show(progressLine(Number(e.data.progress), (e.data.message as string | null) ?? null));
      else if (typeof e.data.status === 'string' && !live) show(typeof e.data.status_reason === 'string' ? `${e.data.status} (${e.data.status_reason})` : e.data.status);
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
  return job.status === 'succeeded' ? EXIT.succeeded : job.status === 'cancelled' ? EXIT.cancelled : job.status === 'failed' ? EXIT.failed : EXIT.timedOut;
}
