import * as queue from '../store/queue.js';
import type { Services } from './context.js';

// Remote workers report completions in batches, one call per worker; calls from several workers that
// arrive together are written together too, as one completion (one transaction, one commit) across
// their leases, since a write per call costs about as much as a write of many jobs. A call waits for
// at most one other write to finish before its own starts.

interface Waiting {
  items: queue.LeasedSuccess[];
  done: (written: { done: ReadonlySet<string> } | { error: unknown }) => void;
}

/** At most this many jobs a write; more waiting start the next one. */
const MAX_JOBS = 1000;

class CompletionWrites {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly services: Services) {}

  complete(items: queue.LeasedSuccess[]): Promise<ReadonlySet<string>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        items,
        done: (w) =>
          'error' in w ? reject(w.error instanceof Error ? w.error : new Error(String(w.error))) : resolve(w.done),
      });
      this.writing ??= this.write();
    });
  }

  private async write(): Promise<void> {
    // Calls parsed in the same turn of the event loop join this write.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const calls: Waiting[] = [];
      // A job reported by two calls (under an old lease and a new one) goes in two writes, so the
      // second finds it finished and answers as it must: one write answers for each job once.
      const ids = new Set<string>();
      while (this.waiting.length > 0) {
        const next = this.waiting[0]!.items;
        if (calls.length > 0 && (ids.size + next.length > MAX_JOBS || next.some((i) => ids.has(i.attempt.jobId))))
          break;
        calls.push(this.waiting.shift()!);
        for (const i of next) ids.add(i.attempt.jobId);
      }
      try {
        const written = await queue.completeLeasedJobs(
          this.services.store,
          calls.flatMap((c) => c.items),
          this.services.clock.now(),
        );
        if (written.released > 0) this.services.wakeups.jobsAdded(); // dependents became runnable
        const done = new Set(written.done);
        for (const call of calls) call.done({ done });
      } catch (error) {
        for (const call of calls) call.done({ error });
      }
    }
    this.writing = undefined;
  }
}

const writes = new WeakMap<Services, CompletionWrites>();

/** Completes the jobs, each under its lease, with other calls' completions; returns the ids written. */
export function completeLeased(services: Services, items: queue.LeasedSuccess[]): Promise<ReadonlySet<string>> {
  let w = writes.get(services);
  if (w === undefined) writes.set(services, (w = new CompletionWrites(services)));
  return w.complete(items);
}
