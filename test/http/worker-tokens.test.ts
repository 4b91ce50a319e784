import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('worker tokens on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const create = (payload: object) => t.call({ method: 'POST', url: '/v1/tokens', payload });

  it_('creates a jobs:work token restricted to some job types, and lists it with them', async () => {
    const res = await create({ name: 'renderers', scopes: ['jobs:work'], job_types: ['render', 'thumbnail'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ scopes: ['jobs:work'], job_types: ['render', 'thumbnail'] });
    const listed = (await t.call({ method: 'GET', url: '/v1/tokens' }))
      .json()
      .data.find((x: { id: string }) => x.id === res.json().id);
    expect(listed.job_types).toEqual(['render', 'thumbnail']);
  });

  it_('refuses job_types on a token without jobs:work, and creates nothing', async () => {
    const before = (await t.call({ method: 'GET', url: '/v1/tokens' })).json().data.length;
    const res = await create({ name: 'confused', scopes: ['jobs:read'], job_types: ['render'] });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '#/job_types' }] });
    expect((await t.call({ method: 'GET', url: '/v1/tokens' })).json().data.length).toBe(before);
  });

  it_('refuses malformed job types', async () => {
    const res = await create({ name: 'bad', scopes: ['jobs:work'], job_types: ['Not A Type'] });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].pointer).toBe('#/job_types/0');
  });

  it_('lets a worker token neither create, list nor read jobs', async () => {
    const worker = (await create({ name: 'w', scopes: ['jobs:work'] })).json().secret;
    const job = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report' } })).json();
    for (const [method, url, payload] of [
      ['POST', '/v1/jobs', { type: 'report' }],
      ['GET', '/v1/jobs', undefined],
      ['GET', `/v1/jobs/${job.id}`, undefined],
      ['POST', `/v1/jobs/${job.id}/cancel`, undefined],
    ] as const) {
      const res = await t.call({ method, url, token: worker, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
  });
});
