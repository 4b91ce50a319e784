import type { Worker } from '../../src/engine/worker.js';
import type { WorkerEvent } from '../../src/engine/worker-events.js';

/**
 * Resolves with what `check` returns once it is not undefined, checking again each time the worker
 * reports an event of these kinds (by default an outcome) rather than on a timer; fails after `ms`
 * naming `what`. The listener is attached before the first check, so nothing in between is missed.
 */
export async function afterEvents<T>(
  worker: Worker,
  what: string,
  check: () => Promise<T | undefined>,
  events: WorkerEvent[] = ['completed', 'failed', 'cancelled'],
  ms = 10_000,
): Promise<T> {
  let seen = false;
  let wake = (): void => undefined;
  const listener = () => {
    seen = true;
    wake();
  };
  for (const e of events) worker.on(e, listener);
  const end = Date.now() + ms;
  try {
    for (;;) {
      seen = false;
      const value = await check();
      if (value !== undefined) return value;
      if (seen) continue;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what}`)),
          Math.max(0, end - Date.now()),
        );
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    for (const e of events) worker.off(e, listener);
  }
}

/** Resolves once the worker has emitted `event` `n` times from now. */
export function times(worker: Worker, event: 'active' | 'completed', n: number, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let count = 0;
    const timer = setTimeout(() => {
      worker.off(event, listener);
      reject(new Error(`timed out waiting for ${n} ${event} events (saw ${count})`));
    }, ms);
    function listener(): void {
      if (++count < n) return;
      clearTimeout(timer);
      worker.off(event, listener);
      resolve();
    }
    worker.on(event, listener);
  });
}
