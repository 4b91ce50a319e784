import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { PHRASE_READ } from './params.js';

// Phrase's job operations Jobline cannot serve honestly: no data stands behind them. Each answers 501
// (every operation of Phrase's OpenAPI lists it) in Phrase's error body with errorCode NotImplemented
// and the reason, rather than the 404 of an unknown route, which would tell a client its project or job
// does not exist. docs/compat.md's coverage table gives the same reasons.

const P = '/api2/v1/projects/:projectUid/jobs';
const NO_EDITOR = 'segments are edited by the provider, outside Jobline; Jobline has no segment editing API';
const NO_TM = 'Jobline has no translation memory or term base API (pre-translation reads earlier translations)';
const NO_PREVIEW = 'Jobline renders no previews or PDFs';
const NO_HANDOVER = 'Jobline has no file handover';

const UNSERVED: readonly [method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, why: string][] = [
  ['POST', `${P}/compare`, 'Jobline keeps no version of a job per workflow level'],
  ['POST', `${P}/:jobUid/split`, 'Jobline does not split jobs'],
  ['POST', `${P}/copySourceToTarget`, NO_EDITOR],
  ['POST', `${P}/:jobUid/copySourceToTarget`, NO_EDITOR],
  ['DELETE', `${P}/translations`, NO_EDITOR],
  ['DELETE', '/api2/v2/projects/:projectUid/jobs/translations', NO_EDITOR],
  ['POST', '/api2/v2/projects/:projectUid/jobs/pseudoTranslate', NO_EDITOR],
  ['POST', `${P}/:jobUid/pseudoTranslate`, NO_EDITOR],
  ['POST', `${P}/bilingualFile`, 'MXLIFF is Phrase’s own format'],
  ['PUT', '/api2/v1/bilingualFiles', 'MXLIFF is Phrase’s own format'],
  ['GET', `${P}/:jobUid/preview`, NO_PREVIEW],
  ['POST', `${P}/:jobUid/preview`, NO_PREVIEW],
  ['GET', `${P}/:jobUid/previewUrl`, NO_PREVIEW],
  ['GET', `${P}/:jobUid/targetFileWarnings`, 'Jobline checks no target file (no QA)'],
  ['POST', '/api2/v2/projects/:projectUid/jobs/webEditor', 'Jobline has no editor'],
  ['GET', `${P}/:jobUid/importSettings`, "Jobline's import has no settings"],
  ['PUT', `${P}/:jobUid/importSettings`, "Jobline's import has no settings"],
  ['GET', `${P}/:jobUid/translationResources`, NO_TM],
  ['POST', '/api2/v3/projects/:projectUid/jobs/:jobUid/transMemories/search', NO_TM],
  ['POST', `${P}/:jobUid/transMemories/searchSegment`, NO_TM],
  ['POST', '/api2/v3/projects/:projectUid/jobs/:jobUid/transMemories/wildCardSearch', NO_TM],
  ['POST', '/api2/v2/projects/:projectUid/jobs/:jobUid/termBases/searchByJob', NO_TM],
  ['POST', '/api2/v2/projects/:projectUid/jobs/:jobUid/termBases/searchInTextByJob', NO_TM],
  ['POST', `${P}/:jobUid/termBases/createByJob`, NO_TM],
  [
    'GET',
    '/api2/v3/projects/:projectUid/jobs/:jobUid/analyses',
    'Jobline runs no analyses: see Get segments count and the job’s wordsCount',
  ],
  ['POST', '/api2/v2/projects/:projectUid/jobs/:jobUid/providers/suggest', 'Jobline suggests no providers'],
  ['PATCH', '/api2/v3/jobs', 'jobs are edited within their project: Edit job (PATCH) or the batch edit'],
  ['POST', '/api2/v3/projects/:projectUid/jobs/export', 'Jobline has no connectors'],
  ['POST', `${P}/connectorTask`, 'Jobline has no connectors'],
  ['GET', '/api2/v1/projects/:projectUid/fileHandovers', NO_HANDOVER],
  ['PUT', '/api2/v1/projects/:projectUid/fileHandovers', NO_HANDOVER],
  ['DELETE', '/api2/v1/projects/:projectUid/fileHandovers', NO_HANDOVER],
];

export function phraseUnservedRoutes(scope: FastifyInstance): void {
  for (const [method, path, why] of UNSERVED) {
    scope.route({
      method,
      url: path,
      config: PHRASE_READ,
      schema: { hide: true },
      handler: async () => {
        throw new AppError('bad_request', `${method} ${path.replaceAll(':', '')} is not served by Jobline: ${why}.`, {
          extra: { phraseStatus: 501, phraseCode: 'NotImplemented', phraseArgs: { operation: `${method} ${path}` } },
        });
      },
    });
  }
}
