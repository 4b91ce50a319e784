import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Readable } from 'node:stream';
import type { Backoff } from '../core/backoff.js';
import { flowProblems, type FlowControl } from '../core/flow.js';

export interface JobContext<Input> {
  /** The job's input, validated against the definition's schema when the job was created. */
  input: Input;
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Fired when the job times out, is cancelled, or the worker shuts down; pass it to fetch, streams... */
  signal: AbortSignal;
  log: Logger;
  /** Reports progress (0-100) and an optional message, shown by GET /v1/jobs/{id}. */
  progress(percent: number, message?: string): Promise<void>;
  /** Stores an output file of this job (a retried attempt replaces it), downloadable from the API. */
  writeFile(
    name: string,
    data: Readable | Buffer | string,
    contentType?: string,
  ): Promise<{ name: string; size: number; sha256: string }>;
  /** Reads a file of the job's workspace, such as an upload named in the input. */
  readFile(fileId: string): Promise<{ name: string; contentType: string; bytes: Buffer }>;
  projectId: string | null;
  workspaceId: string;
}

export interface JobDefinition<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  type: string;
  /** TypeBox schema of the input; POST /v1/jobs answers 422 with pointers when input does not match. */
  input?: I;
  /** TypeBox schema of the output; a handler returning something else fails the attempt. */
  output?: O;
  maxAttempts?: number;
  backoff?: Backoff;
  /** Per attempt; the signal fires and the attempt fails when it runs out. */
  timeoutMs?: number;
  /** How many jobs of this type one worker runs at once. */
  concurrency?: number;
  /**
   * Flow control across every worker and process (docs/flow-control.md): `concurrency` and
   * `keyConcurrency` limit the jobs claimed at once (per workspace; per `concurrency_key`), `rateLimit`
   * the starts per interval, `deduplication` what a create with a `deduplication_key` does. A
   * workspace may replace it through the API (PUT /v1/job-types/{type}/flow).
   */
  flow?: FlowControl;
  run(ctx: JobContext<Static<I>>): Promise<Static<O>> | Static<O>;
}

const DEFINITION = Symbol.for('jobline.job-definition');
const NON_RETRYABLE = Symbol.for('jobline.non-retryable-error');

/** Declares a job type: its schemas, retry and timeout policy, and the handler that does the work. */
export function defineJob<I extends TSchema, O extends TSchema>(definition: JobDefinition<I, O>): JobDefinition<I, O> {
  if (!/^[a-z][a-z0-9._-]{0,63}$/.test(definition.type)) {
    throw new Error(`Job type ${JSON.stringify(definition.type)} must match ^[a-z][a-z0-9._-]{0,63}$.`);
  }
  const problems = definition.flow !== undefined ? flowProblems(definition.flow, '#/flow') : [];
  if (problems.length > 0)
    throw new Error(`Job type ${definition.type}: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}.`);
  return Object.assign(Object.create(null) as object, definition, { [DEFINITION]: true });
}

export function isJobDefinition(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;
}

/**
 * Thrown by a handler when trying again cannot help (bad input, a 4xx from a remote API): the job fails
 * at once instead of using its remaining attempts.
 */
export class NonRetryableError extends Error {
  constructor(
    message: string,
    readonly code: string = 'non_retryable',
  ) {
    super(message);
    this.name = 'NonRetryableError';
    Object.defineProperty(this, NON_RETRYABLE, { value: true });
  }

  /**
   * A handler module may import another copy of this module than the engine's (a second install of
   * the package, or one loaded through the TypeScript loader), so the engine's `instanceof` goes by a
   * global mark as isJobDefinition does, not by the class object.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== NonRetryableError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[NON_RETRYABLE] === true;
  }
}
