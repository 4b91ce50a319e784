import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/engine/worker.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import * as schemas from './schemas/phrase.js';
import { expectPhrase } from './schemas/phrase-tms.js';
import { validator } from './schemas/validate.js';

// A job's segments through the generated Python client phrasetms_client's requests (JSON, `Authorization:
// ApiToken …`): `JobApi.list_segments` (`GET …/jobs/{jobUid}/segments?beginIndex&endIndex`) and
// `JobApi.get_segments_count` (`POST …/jobs/segmentsCount` with its JobPartReadyReferences body,
// `{"jobs": [{"uid": …}]}`), answers validated against SegmentListDto and SegmentsCountsResponseListDto as
// embedded in that client; and the job operations Jobline does not serve, each a 501 in Phrase's body.

const expectValid = validator([schemas.phraseError]);
const PHRASE = '/compat/phrase/web';
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';
// A bilingual file: one of its two segments arrives translated.
const PO = 'msgid "Hello world"\nmsgstr "Hallo Welt"\n\nmsgid "Good morning, Alice"\nmsgstr ""\n';

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expectValid('phrase-error', res.json());
  expect(res.json().errorCode).toBe(code);
}

describe.each(DIALECTS)('Phrase TMS segments on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  function send(method: string, path: string, body?: unknown) {
    return t.app.inject({
      method: method as 'GET',
      url: `${PHRASE}${path}`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  async function runQueue(): Promise<void> {
    const worker = new Worker(t.services, { pollMs: 20 });
    worker.start();
    try {
      for (let i = 0; i < 400; i++) {
        if ((await send('GET', '/api2/v1/async')).json().totalElements === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the queue did not empty');
    } finally {
      await worker.stop(1000);
    }
  }

  it_('counts the segments, words and translations of each job, confirmed once handed in', async () => {
    const project = await send('POST', '/api2/v3/projects', { name: 'Counts', sourceLang: 'en', targetLangs: ['de'] });
    expect(project.statusCode, project.body).toBe(201);
    const p = project.json<{ uid: string }>().uid;
    const created = await t.app.inject({
      method: 'POST',
      url: `${PHRASE}/api2/v1/projects/${p}/jobs`,
      headers: {
        authorization: `ApiToken ${t.admin}`,
        'content-type': 'application/octet-stream',
        memsource: JSON.stringify({ targetLangs: ['de'] }),
        'content-disposition': "filename*=UTF-8''greetings.po",
      },
      payload: PO,
    });
    expect(created.statusCode, created.body).toBe(201);
    const uid = created.json().jobs[0].uid as string;
    const path = `/api2/v1/projects/${p}/jobs/segmentsCount`;

    // Before its import finished the job has no segments to count or list yet.
    expectError(await send('POST', path, { jobs: [{ uid }] }), 400, 'JOB_NOT_READY');
    expectError(await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/segments`), 400, 'JOB_NOT_READY');
    await runQueue();

    const res = await send('POST', path, { jobs: [{ uid }] });
    expect(res.statusCode, res.body).toBe(200);
    expectPhrase('SegmentsCountsResponseListDto', res.json());
    const [result] = res.json().segmentsCountsResults;
    expectPhrase('SegmentsCountsResponseDto', result);
    expectPhrase('SegmentsCountsDto', result.counts);
    // The counts are those of the segments the native API lists for the job's source.
    const importJobId = (await t.call({ method: 'GET', url: `/v1/jobs/${uid}` })).json().people.import_job_id;
    const segments = (await t.call({ method: 'GET', url: `/v1/jobs/${importJobId}/segments` })).json().data as {
      words: number;
    }[];
    expect(segments).toHaveLength(2);
    expect(result).toEqual({
      jobPartUid: uid,
      counts: {
        allConfirmed: false,
        segmentsCount: 2,
        wordsCount: segments.reduce((sum, s) => sum + s.words, 0),
        translatedSegmentsCount: 1,
        completedSegmentsCount: 0,
        completedWordsCount: 0,
        confirmedWordsCount: 0,
        lockedSegmentsCount: 0,
        lockedWordsCount: 0,
      },
    });
    expect(result.counts.wordsCount).toBe(5);

    // Get segments: the same segments, translated where the file was, bounded by beginIndex and endIndex.
    const listed = await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/segments`);
    expect(listed.statusCode, listed.body).toBe(200);
    expectPhrase('SegmentListDto', listed.json());
    for (const segment of listed.json().segments) expectPhrase('JobSegmentDto', segment);
    expect(listed.json().segments).toEqual([
      { id: `${uid}:0`, source: 'Hello world', translation: 'Hallo Welt', workflowLevel: 1 },
      { id: `${uid}:1`, source: 'Good morning, Alice', workflowLevel: 1 },
    ]);
    const second = await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/segments?beginIndex=1&endIndex=5`);
    expect(second.json().segments.map((s: { id: string }) => s.id)).toEqual([`${uid}:1`]);
    expectError(
      await send('GET', `/api2/v1/projects/${p}/jobs/${uid}/segments?beginIndex=-1`),
      400,
      'InvalidArguments',
    );
    expectError(await send('GET', `/api2/v1/projects/${p}/jobs/${UNKNOWN}/segments`), 404, 'ResourceNotFound');

    // Accepted, then completed by the linguist: every segment is confirmed.
    for (const requestedStatus of ['ACCEPTED', 'COMPLETED']) {
      const changed = await send('POST', `/api2/v1/projects/${p}/jobs/${uid}/setStatus`, { requestedStatus });
      expect(changed.statusCode, changed.body).toBe(204);
    }
    const done = (await send('POST', path, { jobs: [{ uid }, { uid }] })).json().segmentsCountsResults;
    expect(done).toHaveLength(1);
    expect(done[0].counts).toMatchObject({
      allConfirmed: true,
      completedSegmentsCount: 2,
      completedWordsCount: 5,
      confirmedWordsCount: 5,
    });
  });

  it_('answers bad requests in Phrase error bodies', async () => {
    const project = await send('POST', '/api2/v3/projects', { name: 'Bad', sourceLang: 'en', targetLangs: ['de'] });
    const p = project.json<{ uid: string }>().uid;
    const path = `/api2/v1/projects/${p}/jobs/segmentsCount`;
    expectError(await send('POST', path, {}), 400, 'InvalidArguments');
    expectError(await send('POST', path, { jobs: [] }), 400, 'InvalidArguments');
    expectError(await send('POST', path, { jobs: [{ id: UNKNOWN }] }), 400, 'InvalidArguments');
    expectError(await send('POST', path, '{"jobs": ['), 400, 'InvalidArguments');
    expectError(
      await send('POST', path, { jobs: Array.from({ length: 101 }, () => ({ uid: UNKNOWN })) }),
      400,
      'InvalidArguments',
    );
    expectError(await send('POST', path, { jobs: [{ uid: UNKNOWN }] }), 404, 'ResourceNotFound');
    expectError(await send('POST', path, { jobs: [{ uid: 'nope' }] }), 404, 'ResourceNotFound');
    expectError(
      await send('POST', `/api2/v1/projects/${UNKNOWN}/jobs/segmentsCount`, { jobs: [{ uid: UNKNOWN }] }),
      404,
      'ResourceNotFound',
    );
    const reader = await t.token([]);
    const denied = await t.app.inject({
      method: 'POST',
      url: `${PHRASE}${path}`,
      headers: { authorization: `ApiToken ${reader}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ jobs: [{ uid: UNKNOWN }] }),
    });
    expectError(denied, 403, 'AuthAccessDenied');
  });

  it_('answers the job operations it does not serve with 501 NotImplemented and the reason', async () => {
    const project = await send('POST', '/api2/v3/projects', {
      name: 'Unserved',
      sourceLang: 'en',
      targetLangs: ['de'],
    });
    const p = project.json<{ uid: string }>().uid;
    const cases: [string, string, RegExp][] = [
      ['POST', `/api2/v1/projects/${p}/jobs/compare`, /per workflow level/],
      ['GET', `/api2/v3/projects/${p}/jobs/${UNKNOWN}/analyses`, /no analyses/],
      ['GET', `/api2/v1/projects/${p}/jobs/${UNKNOWN}/translationResources`, /translation memory/],
      ['POST', `/api2/v1/projects/${p}/jobs/${UNKNOWN}/split`, /does not split/],
      ['POST', `/api2/v2/projects/${p}/jobs/webEditor`, /no editor/],
      ['DELETE', `/api2/v2/projects/${p}/jobs/translations`, /segment editing/],
      ['PATCH', '/api2/v3/jobs', /within their project/],
      ['GET', `/api2/v1/projects/${p}/fileHandovers`, /file handover/],
    ];
    for (const [method, path, why] of cases) {
      const res = await send(method, path, method === 'GET' ? undefined : { jobs: [{ uid: UNKNOWN }] });
      expectError(res, 501, 'NotImplemented');
      expect(res.json().errorDescription, `${method} ${path}`).toMatch(why);
    }
    // Still behind authentication, and a route Phrase does not have stays a 404.
    const anonymous = await t.app.inject({ method: 'POST', url: `${PHRASE}/api2/v1/projects/${p}/jobs/compare` });
    expectError(anonymous, 401, 'AuthUnauthorized');
    expectError(await send('GET', `/api2/v1/projects/${p}/jobs/${UNKNOWN}/nothing`), 404, 'ResourceNotFound');
  });
});
