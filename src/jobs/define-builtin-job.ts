import type { Static, TSchema } from '@sinclair/typebox';
import { defineJob, type JobDefinition } from '../engine/define-job.js';
import type { EngineJobContext } from '../engine/context.js';

/**
 * A built-in job type's definition: its handler also gets `jobline`, what the built-in types use of
 * Jobline's own data (engine/builtin-context.ts; the engine gives it to every handler's context).
 */
export type BuiltinJobDefinition<I extends TSchema, O extends TSchema> = Omit<JobDefinition<I, O>, 'run'> & {
  run(ctx: EngineJobContext<Static<I>>): Promise<Static<O>> | Static<O>;
};

/** defineJob for the job types that work on Jobline's own data. */
export function defineBuiltinJob<I extends TSchema, O extends TSchema>(
  definition: BuiltinJobDefinition<I, O>,
): JobDefinition<I, O> {
  return defineJob(definition);
}
