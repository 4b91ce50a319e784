/**
 * Rendered copies of `GET /v1/jobs/{id}` in its common form (compact JSON, every field), kept so that a
 * client polling a job that has not changed costs one read of the job's version instead of the job's
 * row, attempts and files, their representation and serialization.
 *
 * A copy is never served on trust: every request reads the job's current version from the database
 * and uses the copy only when it is the same, so a change made by any process (a worker elsewhere, a
 * second server) is seen at once. Every change to what the representation shows moves the version
 * (status, progress, output, attempts, people fields, expiry, and files: see touchJob).
 */
export interface RenderedJob {
  readonly workspaceId: string;
  readonly version: number;
  /** The Retry-After value sent with it (none once the job is finished). */
  readonly retryAfter: string | undefined;
  /** The response body, serialized by the route's schema. */
  readonly body: string;
  /** Signed download URLs in the body expire; a copy with files is rendered again before they get old. */
  readonly staleAt: number;
}

/** A copy's download URLs are at most this much older than fresh ones (they are valid for hours). */
export const FILE_LINK_REFRESH_MS = 60_000;

// Per copy beside its body: the entry and the Map's slot.
const ENTRY_OVERHEAD = 200;

/** What a copy counts against the limit: its body and key in characters, and the entry. */
const sizeOf = (jobId: string, copy: RenderedJob): number => copy.body.length + jobId.length + ENTRY_OVERHEAD;

/** Up to `maxBytes` of copies (0 keeps none); when full, the oldest rendered go first. */
export class RenderedJobs {
  private readonly copies = new Map<string, RenderedJob>();
  private used = 0;
  /** Requests answered from a copy, and requests that read and rendered the job (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The copy of this job rendered for this workspace, unless it is stale. */
  get(jobId: string, workspaceId: string, now: number): RenderedJob | undefined {
    const copy = this.copies.get(jobId);
    if (copy === undefined || copy.workspaceId !== workspaceId) return undefined;
    if (copy.staleAt <= now) {
      this.remove(jobId, copy);
      return undefined;
    }
    return copy;
  }

  set(jobId: string, copy: RenderedJob): void {
    const size = sizeOf(jobId, copy);
    if (size > this.maxBytes) return;
    const old = this.copies.get(jobId);
    if (old !== undefined) this.remove(jobId, old);
    this.copies.set(jobId, copy);
    this.used += size;
    // A Map iterates in insertion order: the first keys are the oldest copies.
    for (const [id, oldest] of this.copies) {
      if (this.used <= this.maxBytes) break;
      this.remove(id, oldest);
    }
  }

  /** Memory held by the copies, as counted against the limit. */
  get bytes(): number {
    return this.used;
  }

  private remove(jobId: string, copy: RenderedJob): void {
    this.copies.delete(jobId);
    this.used -= sizeOf(jobId, copy);
  }
}
