import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import { readFileBytes, writeJobFile } from '../services/files.js';
import * as queue from '../store/queue.js';
import { builtinContext, type BuiltinContext } from './builtin-context.js';
import type { JobContext } from './define-job.js';

/** The handler's signal and logger, made by the worker when the handler first reads them. */
export interface LazyParts {
  signal(): AbortSignal;
  log(): Logger;
  /** Told of each progress report once it is stored (the worker's `progress` event). */
  progressed?(percent: number, message: string | null): void;
}

/**
 * The context every handler gets, with what the built-in job types (src/jobs) use of Jobline's own
 * data. The public JobContext leaves it out: its types are internal, and a user's handler talks to
 * Jobline through its API.
 */
export interface EngineJobContext<Input> extends JobContext<Input> {
  readonly jobline: BuiltinContext;
}

/** What a handler gets: its input, its signal, and ways to report progress and read and write files. */
export function jobContext(
  services: Services,
  workerId: string,
  job: ClaimedJob,
  lazy: LazyParts,
): EngineJobContext<never> {
  return new HandlerContext(services, workerId, job, lazy);
}

/**
 * One small object per attempt, its parts on the prototype: an object literal with getters and
 * closures made every part anew for every job, the largest allocation of a no-op job. The functions
 * are made when read, so a handler may still take them apart (`run: ({ input, progress }) => …`).
 */
class HandlerContext implements EngineJobContext<never> {
  readonly input: never;
  readonly jobId: string;
  readonly projectId: string | null;
  readonly attempt: number;
  readonly workspaceId: string;
  // Private to the handler too (#): a built-in handler reaches Jobline through `jobline` alone.
  readonly #services: Services;
  readonly #workerId: string;
  readonly #job: ClaimedJob;
  readonly #lazy: LazyParts;
  #builtin: BuiltinContext | undefined;

  constructor(services: Services, workerId: string, job: ClaimedJob, lazy: LazyParts) {
    this.#services = services;
    this.#workerId = workerId;
    this.#job = job;
    this.#lazy = lazy;
    this.input = job.input as never;
    this.jobId = job.id;
    this.projectId = job.projectId;
    this.attempt = job.attempts;
    this.workspaceId = job.workspaceId;
  }

  get signal(): AbortSignal {
    return this.#lazy.signal();
  }

  get log(): Logger {
    return this.#lazy.log();
  }

  get progress(): (percent: number, message?: string) => Promise<void> {
    return async (percent, message) => {
      if (!Number.isFinite(percent)) throw new TypeError('progress percent must be a number from 0 to 100');
      const services = this.#services;
      const stored = Math.min(100, Math.max(0, percent));
      if (
        await queue.reportProgress(
          services.store,
          this.#workerId,
          this.#job.id,
          stored,
          message ?? null,
          services.clock.now(),
        )
      )
        this.#lazy.progressed?.(stored, message ?? null);
    };
  }

  get writeFile(): EngineJobContext<never>['writeFile'] {
    return async (name, data: Readable | Buffer | string, contentType = 'application/octet-stream') => {
      const info = await writeJobFile(this.#services, this.#job, name, contentType, data);
      return { name: info.name, size: info.size, sha256: info.sha256 };
    };
  }

  get readFile(): EngineJobContext<never>['readFile'] {
    return async (fileId) => {
      const { info, bytes } = await readFileBytes(this.#services, this.#job.workspaceId, fileId);
      return { name: info.name, contentType: info.contentType, bytes };
    };
  }

  // Made when a handler first reads it: only the built-in job types do.
  get jobline(): BuiltinContext {
    return (this.#builtin ??= builtinContext(this.#services, this.#job));
  }
}
