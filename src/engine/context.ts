import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ClaimedJob } from '../core/job.js';
import type { Services } from '../services/context.js';
import { readFileBytes, writeJobFile } from '../services/files.js';
import * as queue from '../store/queue.js';
import type { JobContext } from './define-job.js';

/** The handler's signal and logger, made by the worker when the handler first reads them. */
export interface LazyParts {
  signal(): AbortSignal;
  log(): Logger;
  /** Told of each progress report once it is stored (the worker's `progress` event). */
  progressed?(percent: number, message: string | null): void;
}

/**
 * The context every handler gets, with Jobline's own services for the built-in job types (src/jobs).
 * The public JobContext leaves them out: their types are internal, and a user's handler talks to
 * Jobline through its API.
 */
export interface EngineJobContext<Input> extends JobContext<Input> {
  services: Services;
}

/** What a handler gets: its input, its signal, and ways to report progress and read and write files. */
export function jobContext(
  services: Services,
  workerId: string,
  job: ClaimedJob,
  lazy: LazyParts,
): EngineJobContext<never> {
  return {
    input: job.input as never,
    jobId: job.id,
    projectId: job.projectId,
    attempt: job.attempts,
    get signal() {
      return lazy.signal();
    },
    get log() {
      return lazy.log();
    },
    progress: async (percent, message) => {
      if (!Number.isFinite(percent)) throw new TypeError('progress percent must be a number from 0 to 100');
      const stored = Math.min(100, Math.max(0, percent));
      if (await queue.reportProgress(services.store, workerId, job.id, stored, message ?? null, services.clock.now()))
        lazy.progressed?.(stored, message ?? null);
    },
    writeFile: async (name: string, data: Readable | Buffer | string, contentType = 'application/octet-stream') => {
      const info = await writeJobFile(services, job, name, contentType, data);
      return { name: info.name, size: info.size, sha256: info.sha256 };
    },
    readFile: async (fileId: string) => {
      const { info, bytes } = await readFileBytes(services, job.workspaceId, fileId);
      return { name: info.name, contentType: info.contentType, bytes };
    },
    services,
    workspaceId: job.workspaceId,
  };
}
