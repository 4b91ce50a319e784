/**
 * A worker's handler slots: what `concurrency` and a type's own limit count (handlers running now),
 * and the slots reserved for new jobs being inserted already claimed by this worker (the handoff).
 */
export class Slots {
  private running = 0;
  private readonly runningPerType = new Map<string, number>();
  private readonly reservedPerType = new Map<string, number>();

  constructor(readonly concurrency: number) {}

  /** Handlers running now. */
  get busy(): number {
    return this.running;
  }

  /** Slots reserved for new jobs, of every type. */
  get reserved(): number {
    let sum = 0;
    for (const n of this.reservedPerType.values()) sum += n;
    return sum;
  }

  /** Slots of this type running or reserved: what the type's own limit counts. */
  usedOf(type: string): number {
    return (this.runningPerType.get(type) ?? 0) + (this.reservedPerType.get(type) ?? 0);
  }

  take(type: string): void {
    this.running++;
    this.runningPerType.set(type, (this.runningPerType.get(type) ?? 0) + 1);
  }

  give(type: string): void {
    this.running--;
    this.runningPerType.set(type, (this.runningPerType.get(type) ?? 1) - 1);
  }

  reserve(type: string): void {
    this.reservedPerType.set(type, (this.reservedPerType.get(type) ?? 0) + 1);
  }

  unreserve(type: string): void {
    this.reservedPerType.set(type, this.reservedPerType.get(type)! - 1);
  }
}
