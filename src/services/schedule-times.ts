import { Cron } from 'croner';
import type { Schedule } from '../core/schedule.js';

// The times of a schedule. Cron expressions are parsed and stepped through by croner, in the
// schedule's time zone: a time that does not exist on the day clocks go forward runs at the first
// minute after the gap, and a time that happens twice when they go back runs the first time only.

/** What a schedule's times depend on. */
export type Timing = Pick<Schedule, 'cron' | 'intervalMs' | 'timeZone'>;

const cache = new Map<string, Cron>();

function cronOf(expression: string, timeZone: string): Cron {
  const key = `${timeZone} ${expression}`;
  let cron = cache.get(key);
  if (cron === undefined) {
    cron = new Cron(expression, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
    if (cache.size > 1000) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** Why a cron expression cannot be used, or undefined when it can. */
export function cronProblem(expression: string, timeZone: string): string | undefined {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); it has ${fields}`;
  let cron: Cron;
  try {
    cron = cronOf(expression, timeZone);
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
  if (cron.nextRun() === null) return 'names no time that ever comes (for instance 30 February)';
  return undefined;
}

/** Whether the name is an IANA time zone the runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first time strictly after `after`, or null when there is none. */
export function timeAfter(t: Timing, after: number, intervalFrom?: number): number | null {
  if (t.intervalMs !== null) {
    // Intervals count from a time the schedule was due at (or from `after` itself).
    const from = intervalFrom ?? after;
    return from > after ? from : from + (Math.floor((after - from) / t.intervalMs) + 1) * t.intervalMs;
  }
  const next = cronOf(t.cron!, t.timeZone).nextRun(new Date(after));
  return next === null ? null : next.getTime();
}

/** The latest time at or before `at` and not before `from` (a time the schedule was due at). */
export function latestTime(t: Timing, at: number, from: number): number {
  if (t.intervalMs !== null) return from + Math.floor((at - from) / t.intervalMs) * t.intervalMs;
  const [previous] = cronOf(t.cron!, t.timeZone).previousRuns(1, new Date(at + 1));
  return previous === undefined ? from : Math.max(from, previous.getTime());
}
