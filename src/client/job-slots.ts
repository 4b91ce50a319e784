// The handler slots of a remote worker: at most `size` handlers run at once; jobs claimed ahead of a
// free slot (runRemoteWorker's `prefetch`) wait here in claim order. `close` lets every waiter go
// without a slot, so jobs that never started can be given back when the worker stops.

export class JobSlots {
  private free: number;
  private readonly waiters: ((slot: boolean) => void)[] = [];
  private closed = false;

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves true with a slot, or false once the slots are closed (the worker is stopping). */
  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next(true);
    else this.free++;
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(false);
  }
}
