import { Type } from '@sinclair/typebox';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
import { uuidv7 } from '../core/ids.js';
import { findProject, insertProject } from '../store/projects.js';
import { listJobsAfter } from '../store/jobs.js';

/**
 * Copies a project and, unless told not to, its jobs: each copy is a new pending job with the same
 * type, name, input and priority (history, output and status are not copied). All in one transaction,
 * so a retried attempt never leaves a half-made copy behind.
 */
export const duplicateProject = defineBuiltinJob({
  type: 'duplicate-project',
  input: Type.Object(
    {
      project_id: Type.String({ format: 'uuid' }),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      include_jobs: Type.Optional(Type.Boolean({ default: true })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    new_project: Type.Object({ id: Type.String(), name: Type.String(), number: Type.Integer() }),
    jobs_copied: Type.Integer(),
  }),
  maxAttempts: 3,
  async run(ctx) {
    const { jobline } = ctx;
    const result = await jobline.transaction(async (trx) => {
      const source = await findProject(trx, ctx.workspaceId, ctx.input.project_id);
      if (source === undefined)
        throw new NonRetryableError(
          `No project with id ${ctx.input.project_id} exists in this workspace.`,
          'project_not_found',
        );
      const now = jobline.now();
      const copy = await insertProject(trx, {
        id: uuidv7(now),
        workspaceId: ctx.workspaceId,
        name: ctx.input.name ?? `Copy of ${source.name}`.slice(0, 200),
        description: source.description,
        workflowSteps: source.workflowSteps,
        sourceLanguage: source.sourceLanguage ?? null,
        targetLanguages: source.targetLanguages ?? [],
        now,
      });
      let copied = 0;
      if (ctx.input.include_jobs !== false) {
        const originals = [];
        let after: string | undefined;
        for (;;) {
          const page = await listJobsAfter(trx, { workspaceId: ctx.workspaceId, projectId: source.id }, after, 500);
          originals.push(...page.jobs);
          if (!page.more) break;
          after = page.jobs.at(-1)!.id;
        }
        // Oldest first, so the copies are numbered in the original order.
        originals.reverse();
        for (let i = 0; i < originals.length; i += 500) {
          const chunk = originals.slice(i, i + 500);
          await jobline.createJobs(
            chunk.map((j) => ({
              type: j.type,
              name: j.name ?? undefined,
              projectId: copy.id,
              priority: j.priority,
              input: j.input as Record<string, unknown>,
              maxAttempts: j.maxAttempts,
            })),
            trx,
          );
        }
        copied = originals.length;
      }
      return { copy, copied };
    });
    if (result.copied > 0) jobline.jobsAdded();
    return {
      new_project: { id: result.copy.id, name: result.copy.name, number: result.copy.number },
      jobs_copied: result.copied,
    };
  },
});
