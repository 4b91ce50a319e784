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
  let jobline: BuiltinContext | undefined;
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
    // Made when a handler first reads it: only the built-in job types do.
    get jobline() {
      return (jobline ??= builtinContext(services, job));
    },
    workspaceId: job.workspaceId,
  };
}
