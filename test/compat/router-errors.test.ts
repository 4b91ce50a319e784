import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// The router refuses a path segment that is too long or not UTF-8 before any scope's error handler
// runs; under /compat/<name> the answer must still be that API's error body, not problem details.

const LONG = 'a'.repeat(300);
const BAD_UTF8 = '%E0%A4%A';

describe.each(DIALECTS)('router errors under the compatible APIs on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const expect400 = (res: LightMyRequestResponse): unknown => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.json();
  };

  it_('answers each in its own API error shape', async () => {
    for (const segment of [LONG, BAD_UTF8]) {
      expect(
        expect400(await t.call({ method: 'GET', url: `/compat/phrase/web/api2/v1/projects/${segment}/jobs/x` })),
      ).toMatchObject({ errorCode: expect.any(String), errorDescription: expect.any(String) });
      expect(expect400(await t.call({ method: 'GET', url: `/compat/asana/api/1.0/jobs/${segment}` }))).toMatchObject({
        errors: [{ message: expect.any(String) }],
      });
      expect(expect400(await t.call({ method: 'GET', url: `/compat/elasticpath/pcm/jobs/${segment}` }))).toMatchObject({
        errors: [{ status: '400', title: expect.any(String) }],
      });
      expect(expect400(await t.call({ method: 'GET', url: `/compat/textking/v1/project/${segment}` }))).toMatchObject({
        status: 400,
        message: expect.any(String),
      });
    }
  });

  it_('keeps problem details for the native API', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/jobs/${LONG}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
