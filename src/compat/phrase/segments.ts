import type { FastifyInstance } from 'fastify';
import type { Job } from '../../core/job.js';
import type { Services } from '../../services/context.js';
import { listSegments, segmentTotals, type SegmentRow } from '../../store/job-results.js';
import { requireImported } from './import-ready.js';
import { integer, jobUids, partOf, PHRASE_READ, projectOf } from './params.js';

// A job's segments as Phrase shows them: Get segments (`GET …/jobs/{jobUid}/segments` → SegmentListDto)
// and Get segments count (`POST …/jobs/segmentsCount {jobs: [{uid}]}` → SegmentsCountsResponseListDto).
// They are the job's own segments once pre-translated, else its import's (GET /v1/jobs/{id}/segments).
// Counts Jobline has are sent: it locks no segment (0), and confirms none one by one, so a job's
// segments are confirmed and completed once its provider handed the work in (DELIVERED, COMPLETED),
// none before. Characters, machine translation, QA, authors and dates of segments are not kept: left out.

const PAGE = 1000;
const MAX_JOBS = 100;

async function allSegments(services: Services, jobId: string): Promise<SegmentRow[]> {
  const out: SegmentRow[] = [];
  for (let after = -1; ;) {
    const page = await listSegments(services.store.db, jobId, after, PAGE);
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page.at(-1)!.idx;
  }
}

/** The job's own segments once pre-translated or edited, else its import's (sources only). */
export async function jobSegments(services: Services, job: Job): Promise<SegmentRow[]> {
  const own = await allSegments(services, job.id);
  const importJobId = job.people?.importJobId ?? null;
  return own.length > 0 || importJobId === null ? own : allSegments(services, importJobId);
}

function counts(job: Job, totals: { segments: number; words: number; translated: number }) {
  const handedIn = job.status === 'delivered' || job.status === 'succeeded';
  return {
    allConfirmed: handedIn,
    segmentsCount: totals.segments,
    wordsCount: totals.words,
    translatedSegmentsCount: totals.translated,
    completedSegmentsCount: handedIn ? totals.segments : 0,
    completedWordsCount: handedIn ? totals.words : 0,
    confirmedWordsCount: handedIn ? totals.words : 0,
    lockedSegmentsCount: 0,
    lockedWordsCount: 0,
  };
}

export function phraseSegmentRoutes(scope: FastifyInstance, services: Services): void {
  scope.get(
    '/api2/v1/projects/:projectUid/jobs/:jobUid/segments',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const principal = request.principal!;
      const { projectUid, jobUid } = request.params as { projectUid: string; jobUid: string };
      const query = (request.query ?? {}) as Record<string, unknown>;
      const project = await projectOf(services, principal, projectUid);
      const job = await partOf(services, principal, project, jobUid);
      // beginIndex and endIndex bound the segments' indexes, both included, as a job part's.
      const begin = integer(query, 'beginIndex', 0, 0, Number.MAX_SAFE_INTEGER);
      const end = integer(query, 'endIndex', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
      await requireImported(services, principal.workspaceId, [job], 'read its segments');
      const level = job.people?.workflowLevel ?? 1;
      const segments = (await jobSegments(services, job)).filter((s) => s.idx >= begin && s.idx <= end);
      return {
        segments: segments.map((s) => ({
          id: `${job.id}:${s.idx}`,
          source: s.source,
          ...(s.target !== null ? { translation: s.target } : {}),
          workflowLevel: level,
        })),
      };
    },
  );

  scope.post(
    '/api2/v1/projects/:projectUid/jobs/segmentsCount',
    { config: PHRASE_READ, schema: { hide: true } },
    async (request) => {
      const principal = request.principal!;
      const project = await projectOf(services, principal, (request.params as { projectUid: string }).projectUid);
      const jobs: Job[] = [];
      // Every listed job must be a part of the project (404 otherwise), imported (JOB_NOT_READY otherwise).
      for (const uid of jobUids(request.body, MAX_JOBS)) jobs.push(await partOf(services, principal, project, uid));
      await requireImported(services, principal.workspaceId, jobs, 'count its segments');
      const totals = await segmentTotals(services.store.db, [
        ...jobs.map((j) => j.id),
        ...jobs.flatMap((j) => (j.people?.importJobId != null ? [j.people.importJobId] : [])),
      ]);
      const none = { segments: 0, words: 0, translated: 0 };
      return {
        segmentsCountsResults: jobs.map((job) => ({
          jobPartUid: job.id,
          counts: counts(job, totals.get(job.id) ?? totals.get(job.people?.importJobId ?? '') ?? none),
        })),
      };
    },
  );
}
