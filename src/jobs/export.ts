import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import { JOB_TYPE_PATTERN } from '../core/job.js';
import { JOB_STATUSES } from '../core/lifecycle.js';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
// The export writes the jobs exactly as the API shows them, so a client reads both with one parser.
import { jobRepresentation } from '../core/job-json.js';
import { listJobsAfter, listJobsPage, type JobFilter } from '../store/jobs.js';

export const EXPORT_FILE = 'jobs.jsonl.gz';
const PAGE = 500;

/**
 * A project's jobs (or the whole workspace's) as gzip-compressed JSON Lines, one job per line. The
 * project is `input.project_id` when given (null: the whole workspace), else the export job's own
 * project, so `POST /v1/jobs {type: "export", project_id}` exports that project. The export job itself
 * is left out of its file.
 */
export const exportJobs = defineBuiltinJob({
  type: 'export',
  input: Type.Object(
    {
      project_id: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
      status: Type.Optional(Type.Array(Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))), { maxItems: 7 })),
      type: Type.Optional(Type.String({ pattern: JOB_TYPE_PATTERN })),
      presentation: Type.Optional(
        Type.Unknown({
          description:
            'Kept with the job for the API that asked for the export, which shapes the file it serves from it; the export does not read it.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    file: Type.String(),
    count: Type.Integer(),
    project_id: Type.Union([Type.String(), Type.Null()]),
  }),
  maxAttempts: 3,
  timeoutMs: 3600_000,
  async run(ctx) {
    const { jobline } = ctx;
    const projectId = (ctx.input.project_id === undefined ? ctx.projectId : ctx.input.project_id) ?? undefined;
    if (projectId !== undefined) {
      await jobline.getProject(projectId).catch(() => {
        throw new NonRetryableError(`No project with id ${projectId} exists in this workspace.`, 'project_not_found');
      });
    }
    const filter: JobFilter = {
      workspaceId: ctx.workspaceId,
      projectId,
      statuses: ctx.input.status,
      type: ctx.input.type,
    };
    let { total } = await listJobsPage(jobline.db, filter, 0, 1);
    let count = 0;
    async function* lines(): AsyncGenerator<string> {
      let after: string | undefined;
      for (;;) {
        ctx.signal.throwIfAborted();
        const page = await listJobsAfter(jobline.db, filter, after, PAGE);
        for (const job of page.jobs) {
          if (job.id === ctx.jobId) {
            total--;
            continue;
          }
          count++;
          yield `${JSON.stringify(jobRepresentation(job))}\n`;
        }
        await ctx.progress(
          total === 0 ? 100 : Math.min(99, Math.floor((count / total) * 100)),
          `${count} of ${total} jobs`,
        );
        if (!page.more) return;
        after = page.jobs.at(-1)!.id;
      }
    }
    await ctx.writeFile(EXPORT_FILE, Readable.from(lines()).pipe(createGzip()), 'application/gzip');
    return { file: EXPORT_FILE, count, project_id: projectId ?? null };
  },
});
