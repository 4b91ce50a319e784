import { Type } from '@sinclair/typebox';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
import { findJob } from '../store/jobs.js';

/**
 * Copies one job into its project as a new pending job with the same type, input and priority, and the
 * given name (history, output and status are not copied), as duplicate-project copies a project's jobs.
 * A job done by people keeps its providers, due date and workflow step; its source document is not
 * copied (the copy takes a new one).
 */
export const duplicateJob = defineBuiltinJob({
  type: 'duplicate-job',
  input: Type.Object(
    {
      job_id: Type.String({ format: 'uuid' }),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    new_task: Type.Object({ id: Type.String(), name: Type.String(), number: Type.Integer() }),
  }),
  maxAttempts: 3,
  async run(ctx) {
    const { jobline } = ctx;
    const source = await findJob(jobline.db, ctx.workspaceId, ctx.input.job_id);
    if (source === undefined || source.expiredAt !== null)
      throw new NonRetryableError(`No job with id ${ctx.input.job_id} exists in this workspace.`, 'job_not_found');
    const people = source.people ?? null;
    const [copy] = await jobline.createJobs([
      {
        type: source.type,
        name: ctx.input.name ?? source.name ?? undefined,
        projectId: source.projectId ?? undefined,
        priority: source.priority,
        input: source.input as Record<string, unknown>,
        maxAttempts: source.maxAttempts,
        ...(people !== null
          ? {
              people: {
                ...people,
                referenceId: null,
                importJobId: null,
                sourceUpdatedAt: null,
                targetUpdatedAt: null,
                continuousUpdatedAt: null,
                statusReason: 'new' as const,
              },
            }
          : {}),
      },
    ]);
    return { new_task: { id: copy!.id, name: copy!.name ?? '', number: copy!.number } };
  },
});
