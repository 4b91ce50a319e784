import { Type } from '@sinclair/typebox';
import { NonRetryableError } from '../engine/define-job.js';
import { defineBuiltinJob } from './define-builtin-job.js';
import { parseJson } from '../store/schema.js';
import { findJobsById, translatedSegments } from '../store/people-views.js';
import { listSegments, replaceSegments, type SegmentRow } from '../store/job-results.js';

/**
 * Pre-translation of people jobs (Phrase's "Pre-translate job"): fills the target of each segment of a
 * job's source document from exact matches — same source text, same target language — among the
 * segments of the workspace's earlier succeeded jobs: a translation memory in miniature. The result is
 * the job's own segments (GET /v1/jobs/{id}/segments), which later join the memory when the job
 * succeeds. Replace the handler (a module defining `pre-translate` under another name, pointed to by
 * the API) to use a real translation memory or machine translation.
 */
export const preTranslate = defineBuiltinJob({
  type: 'pre-translate',
  input: Type.Object(
    {
      job_ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 100, uniqueItems: true }),
      overwrite: Type.Optional(
        Type.Boolean({ description: 'Replace targets a job has already; otherwise only empty targets are filled.' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    segments: Type.Integer(),
    pre_translated: Type.Integer(),
    jobs: Type.Array(Type.Object({ job_id: Type.String(), segments: Type.Integer(), pre_translated: Type.Integer() })),
  }),
  maxAttempts: 3,
  timeoutMs: 600_000,
  async run(ctx) {
    const db = ctx.jobline.db;
    const jobs = await findJobsById(db, ctx.workspaceId, ctx.input.job_ids);
    const missing = ctx.input.job_ids.filter((id) => !jobs.some((j) => j.id === id));
    if (missing.length > 0)
      throw new NonRetryableError(`No job with id ${missing.join(', ')} exists in this workspace.`, 'job_not_found');
    const results = [];
    for (const [n, job] of jobs.entries()) {
      const importJobId = job.people?.importJobId ?? null;
      const source = importJobId === null ? [] : await allSegments(db, importJobId);
      const own = new Map((await allSegments(db, job.id)).map((s) => [s.idx, s]));
      const input = (job.input ?? {}) as Record<string, unknown>;
      const memory = await memoryFor(
        db,
        ctx.workspaceId,
        source.map((s) => s.source),
        ctx.input.job_ids,
        language(input.source_language),
        language(input.target_language),
      );
      let filled = 0;
      const segments = source.map((s) => {
        const kept = own.get(s.idx)?.target ?? null;
        const match = memory.get(s.source);
        const target = kept !== null && ctx.input.overwrite !== true ? kept : (match ?? kept);
        if (match !== undefined && target === match) filled++;
        return { idx: s.idx, key: s.key, context: s.context, source: s.source, target, words: s.words };
      });
      await ctx.jobline.transaction((trx) => replaceSegments(trx, job.id, segments));
      results.push({ job_id: job.id, segments: segments.length, pre_translated: filled });
      await ctx.progress(
        Math.round(((n + 1) / jobs.length) * 100),
        `${job.id}: ${filled} of ${segments.length} segments`,
      );
    }
    return {
      segments: results.reduce((a, r) => a + r.segments, 0),
      pre_translated: results.reduce((a, r) => a + r.pre_translated, 0),
      jobs: results,
    };
  },
});

async function allSegments(db: Parameters<typeof listSegments>[0], jobId: string): Promise<SegmentRow[]> {
  const all: SegmentRow[] = [];
  for (;;) {
    const page = await listSegments(db, jobId, all.at(-1)?.idx ?? -1, 1000);
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

/** en_US, en-us and EN-US are one language. */
function language(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.toLowerCase().replaceAll('_', '-') : undefined;
}

/** Source text → its latest translation into `target` (and from `source`, when both sides say). */
async function memoryFor(
  db: Parameters<typeof translatedSegments>[0],
  workspaceId: string,
  sources: string[],
  exclude: string[],
  sourceLanguage: string | undefined,
  targetLanguage: string | undefined,
): Promise<Map<string, string>> {
  const memory = new Map<string, string>();
  if (sources.length === 0 || targetLanguage === undefined) return memory;
  for (const row of await translatedSegments(db, workspaceId, sources, exclude)) {
    // A people job says its languages in its input; an imported bilingual file in its output.
    const input = (parseJson(row.jobInput) ?? {}) as Record<string, unknown>;
    const output = (parseJson(row.jobOutput) ?? {}) as Record<string, unknown>;
    const target = language(input.target_language) ?? language(output.target_language);
    const source = language(input.source_language) ?? language(output.source_language);
    if (target !== targetLanguage) continue;
    if (sourceLanguage !== undefined && source !== undefined && source !== sourceLanguage) continue;
    if (!memory.has(row.source)) memory.set(row.source, row.target); // rows come newest job first
  }
  return memory;
}
