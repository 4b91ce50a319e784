import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { compatRequest, RequestGenerator, type FuzzRequest, type Ids } from '../support/fuzz-requests.js';
import { answerChecker, type Json } from '../support/openapi.js';

// The fuzz pass: every operation of /openapi.json gets requests generated from its schemas (with NUL
// bytes, huge numbers, deep JSON, wrong types and media types mixed in), and every compatible route
// gets made-up ones. No answer may be a 5xx; a documented operation's answer must have a status the
// document declares for it and a body matching the schema declared for that status.
//
// The seed is fixed so that CI runs the same requests every time; a failure prints the seed, the
// request and the answer. JOBLINE_FUZZ_SEED and JOBLINE_FUZZ_RUNS (requests per operation) explore
// further: JOBLINE_FUZZ_SEED=$RANDOM JOBLINE_FUZZ_RUNS=200 npx vitest run test/http/fuzz.test.ts

const SEED = Number(process.env.JOBLINE_FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.JOBLINE_FUZZ_RUNS ?? 150);

const COMPAT_ROUTES: [string, string][] = [
  ...(
    [
      ['GET', '/jobs/:job_gid'],
      ['POST', '/projects/:project_gid/duplicate'],
      ['POST', '/exports/resource'],
    ] as const
  ).map(([m, p]): [string, string] => [m, `/compat/asana/api/1.0${p}`]),
  ...(
    [
      ['GET', '/pcm/jobs'],
      ['GET', '/pcm/jobs/:jobID'],
      ['GET', '/pcm/jobs/:jobID/errors'],
      ['POST', '/pcm/jobs/:jobID/cancel'],
      ['POST', '/oauth/access_token'],
    ] as const
  ).map(([m, p]): [string, string] => [m, `/compat/elasticpath${p}`]),
  ...(
    [
      ['GET', '/api2/v1/projects/:projectUid/jobs/:jobUid'],
      ['GET', '/api2/v2/projects/:projectUid/jobs'],
      ['POST', '/api2/v1/projects/:projectUid/jobs'],
      ['POST', '/api2/v1/projects/:projectUid/jobs/:jobUid/setStatus'],
      ['POST', '/api2/v3/projects/:projectUid/jobs/preTranslate'],
      ['GET', '/api2/v1/async/:asyncRequestId'],
    ] as const
  ).map(([m, p]): [string, string] => [m, `/compat/phrase/web${p}`]),
  ...(
    [
      ['GET', '/projects'],
      ['POST', '/projects'],
      ['GET', '/project/:projectId'],
      ['PUT', '/project/:projectId'],
      ['GET', '/project/:projectId/jobs'],
      ['POST', '/project/:projectId/jobs'],
      ['GET', '/project/:projectId/job/:jobId'],
      ['PUT', '/project/:projectId/job/:jobId'],
      ['POST', '/project/:projectId/job/:jobId/document/:documentName'],
      ['GET', '/project/:projectId/job/:jobId/document'],
      ['GET', '/project/:projectId/job/:jobId/translation'],
      ['GET', '/project/:projectId/job/:jobId/callbacks'],
      ['POST', '/project/:projectId/job/:jobId/callbacks'],
      ['GET', '/project/:projectId/job/:jobId/callback/:callbackId'],
      ['PUT', '/project/:projectId/job/:jobId/callback/:callbackId'],
      ['DELETE', '/project/:projectId/job/:jobId/callback/:callbackId'],
      ['DELETE', '/project/:projectId/job/:jobId'],
    ] as const
  ).map(([m, p]): [string, string] => [m, `/compat/textking/v1${p}`]),
];

/** The request as a curl command line, to reproduce a failure against `jobline serve`. */
function reproduce(request: FuzzRequest): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const headers = Object.entries(request.headers).map(([k, v]) => `-H ${quote(`${k}: ${v}`)}`);
  const body =
    request.payload === undefined
      ? []
      : [
          `--data-binary ${quote(typeof request.payload === 'string' ? request.payload.slice(0, 2000) : `<${request.payload.length} bytes: ${request.payload.toString('hex')}>`)}`,
        ];
  return [
    'curl',
    '-X',
    request.method,
    ...headers,
    '-H',
    quote('authorization: Bearer $TOKEN'),
    ...body,
    quote(`http://127.0.0.1:8080${request.url}`),
  ].join(' ');
}

function describeFailure(request: FuzzRequest, res: LightMyRequestResponse, why: string): Error {
  return new Error(
    `${why}\n  request: ${reproduce(request)}\n  answer: ${res.statusCode} ${String(res.headers['content-type'])} ${res.body.slice(0, 500)}\n  (seed ${SEED})`,
  );
}

describe.each(DIALECTS)('fuzz pass on %s', (dialect) => {
  let t: TestApp;
  let doc: Json;
  let check: ReturnType<typeof answerChecker>;
  let ids: Ids;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json<Json>();
    check = answerChecker(doc);
    const project = (
      await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Fuzz', workflow_steps: ['translation'] } })
    ).json<Json>().id as string;
    const job = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report', project_id: project } })
    ).json<Json>().id as string;
    const file = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=report.txt',
        payload: 'Hello.',
        headers: { 'content-type': 'text/plain' },
      })
    ).json<Json>().id as string;
    // A token to revoke: the fuzz pass's own admin token must survive DELETE /v1/tokens/{id}.
    const token = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'victim', scopes: ['jobs:read'] } })
    ).json<Json>().id as string;
    const peopleJob = (
      await t.call({
        method: 'POST',
        url: `/compat/textking/v1/project/${project}/jobs`,
        payload: { name: 'Doc', source_language: 'de', target_language: 'en', quality: 'translation' },
      })
    ).json<Json>().id as string;
    const webhook = (await t.call({ method: 'POST', url: '/v1/webhooks', payload: { kind: 'callback' } })).json<Json>()
      .id as string;
    const provider = (
      await t.call({ method: 'POST', url: '/v1/providers', payload: { type: 'vendor', name: 'Fuzz Vendor' } })
    ).json<Json>().id as string;
    ids = { project, job, file, token, peopleJob, webhook, provider };
    for (const [kind, id] of Object.entries(ids)) expect(id, kind).toMatch(/^[0-9a-f-]{36}$/);
    console.log(
      `fuzz pass on ${dialect}: seed ${SEED}, ${RUNS} requests per operation (JOBLINE_FUZZ_SEED, JOBLINE_FUZZ_RUNS)`,
    );
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_(
    'answers every documented operation with a declared status and body, never a 5xx',
    async () => {
      const generator = new RequestGenerator(doc, ids);
      // Deletions last, so the resources they remove serve every other operation first.
      const operations = Object.entries<Json>(doc.paths)
        .flatMap(([path, item]) => Object.keys(item).map((method): [string, string] => [path, method]))
        .sort(([, a], [, b]) => Number(a === 'delete') - Number(b === 'delete'));
      expect(operations.length).toBeGreaterThan(50);
      // Which operations the generated requests got past validation to a success, printed as a summary.
      const succeeded = new Set<string>();
      for (const [path, method] of operations) {
        await fc.assert(
          fc.asyncProperty(generator.request(path, method), async (request) => {
            const res = await t.call(request);
            if (res.statusCode < 300) succeeded.add(`${method.toUpperCase()} ${path}`);
            if (res.statusCode >= 500)
              throw describeFailure(request, res, `${method.toUpperCase()} ${path} answered ${res.statusCode}`);
            const broken = check(method, path, {
              status: res.statusCode,
              contentType: res.headers['content-type'] as string | undefined,
              body: res.body,
            });
            if (broken !== undefined) throw describeFailure(request, res, `${method.toUpperCase()} ${path}: ${broken}`);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      }
      const never = operations
        .map(([path, method]) => `${method.toUpperCase()} ${path}`)
        .filter((op) => !succeeded.has(op));
      console.log(
        `fuzz pass on ${dialect}: ${operations.length - never.length} of ${operations.length} operations answered 2xx at least once; never: ${never.join(', ') || 'none'}`,
      );
    },
    300_000,
  );

  it_(
    'answers every compatible route in its own error shape, never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(compatRequest(COMPAT_ROUTES, ids), async (request) => {
          const res = await t.call(request);
          if (res.statusCode >= 500)
            throw describeFailure(
              request,
              res,
              `${request.method} ${request.url.split('?')[0]} answered ${res.statusCode}`,
            );
          if (res.statusCode >= 400 && String(res.headers['content-type']).startsWith('application/problem')) {
            throw describeFailure(request, res, 'a compatible route answered with native problem details');
          }
        }),
        { seed: SEED, numRuns: RUNS * COMPAT_ROUTES.length, endOnFailure: true },
      );
    },
    300_000,
  );
});
