/**
 * Keeps the process alive until SIGINT or SIGTERM, then runs `stop` once and exits 0 (1 if it threw).
 * A worker's timers are unref()'d so that an embedding program can end on its own, and SQLite holds no
 * socket open: without a handle of its own, an idle `jobline worker` on SQLite would simply end, and a
 * supervisor that restarts only on failure would not bring it back.
 */
export function runUntilStopped(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  // The longest delay a timer takes; it only has to exist, never to fire.
  const alive = setInterval(() => undefined, 2 ** 31 - 1);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop(signal).then(
      () => {
        clearInterval(alive);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
