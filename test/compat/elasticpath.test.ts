import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import type { LightMyRequestResponse } from 'fastify';
import { defineJob, type JobDefinition } from '../../src/engine/define-job.js';
import { BUILTIN_JOBS } from '../../src/jobs/builtin.js';
import { createClient } from '../../src/services/clients.js';
import { claimJobs } from '../../src/store/queue.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import * as schemas from './schemas/elasticpath.js';
import { validator } from './schemas/validate.js';
import { vendorValidator } from './schemas/vendor.js';

const closed = validator([
  schemas.job,
  schemas.single,
  schemas.multi,
  schemas.errors,
  schemas.error,
  schemas.accessToken,
]);
const vendor = vendorValidator('pim.json');
/** The pim.yaml schema of each body (the token response is the authentication API's, not in pim.yaml). */
const VENDOR_SCHEMAS: Record<string, string | undefined> = {
  'ep-single': 'single',
  'ep-multi': 'multi',
  'ep-job-errors': 'errors',
  'ep-error': 'error',
};
/** Each body against the closed schema beside this test and against Elastic Path's own (pim.yaml). */
function expectValid(id: string, body: unknown): void {
  closed(id, body);
  const schema = VENDOR_SCHEMAS[id];
  if (schema !== undefined) vendor(schema, body);
}
const EP = '/compat/elasticpath';
const translate = defineJob({
  type: 'translate',
  input: Type.Object({ language: Type.String({ pattern: '^[a-z]{2}$' }) }),
  run: () => null,
});

/** The vendor error body and status, and nothing of the native problem details. */
function expectError(res: LightMyRequestResponse, status: number, title?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expectValid('ep-error', body);
  expect(body.errors[0].status).toBe(String(status));
  if (title !== undefined) expect(body.errors[0].title).toBe(title);
}

describe.each(DIALECTS)('Elastic Path PXM compatible API on %s', (dialect) => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { definitions: [...BUILTIN_JOBS, translate] as JobDefinition[], worker: true });
    token = (await accessToken(await client(['jobs:read', 'jobs:write']))).access_token;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function client(scopes: string[]): Promise<{ client_id: string; client_secret: string }> {
    const res = await t.call({ method: 'POST', url: '/v1/clients', payload: { name: 'pxm', scopes } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  function tokenRequest(fields: Record<string, string>) {
    return t.app.inject({
      method: 'POST',
      url: `${EP}/oauth/access_token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  async function accessToken(c: { client_id: string; client_secret: string }) {
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: c.client_id,
      client_secret: c.client_secret,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  const get = (url: string, bearer: string | null = token) =>
    t.app.inject({
      method: 'GET',
      url: `${EP}${url}`,
      headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
    });
  const post = (url: string, bearer: string = token) =>
    t.app.inject({
      method: 'POST',
      url: `${EP}${url}`,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      payload: '{}',
    });

  async function native(type: string, input: object, extra: object = {}) {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type, input, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function bulkImport(csv: string) {
    const file = (
      await t.call({
        method: 'POST',
        url: '/v1/files?name=products.csv',
        headers: { 'content-type': 'text/csv' },
        payload: csv,
      })
    ).json();
    return t.finished((await native('bulk-import', { file_id: file.id })).id);
  }

  describe('POST /oauth/access_token', () => {
    it_('exchanges client credentials for a Bearer token of an hour, accepted by the native API too', async () => {
      const c = await client(['jobs:read']);
      const before = Math.floor(t.services.clock.now() / 1000);
      const res = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: c.client_id,
        client_secret: c.client_secret,
      });
      const after = Math.floor(t.services.clock.now() / 1000);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('ep-access-token', body);
      expect(body).toMatchObject({ token_type: 'Bearer', identifier: 'client_credentials', expires_in: 3600 });
      // An hour from when the token was issued, which may fall in either second around the request.
      expect(body.expires).toBeGreaterThanOrEqual(before + 3600);
      expect(body.expires).toBeLessThanOrEqual(after + 3600);
      expect((await t.call({ method: 'GET', url: '/v1/jobs', token: body.access_token })).statusCode).toBe(200);
      expect((await get('/pcm/jobs', body.access_token)).statusCode).toBe(200);
    });

    it_('takes the fields as JSON as well', async () => {
      const c = await client(['jobs:read']);
      const res = await t.app.inject({
        method: 'POST',
        url: `${EP}/oauth/access_token`,
        payload: { grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret },
      });
      expect(res.statusCode).toBe(200);
      expectValid('ep-access-token', res.json());
    });

    it_('gives an implicit token for a client_id alone, which is refused on /pcm/jobs with 403', async () => {
      const c = await client(['jobs:read', 'jobs:write']);
      const res = await tokenRequest({ grant_type: 'implicit', client_id: c.client_id });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('ep-access-token', body);
      expect(body.identifier).toBe('implicit');
      expectError(await get('/pcm/jobs', body.access_token), 403, 'Forbidden');
      const job = await native('translate', { language: 'de' });
      expectError(await get(`/pcm/jobs/${job.id}`, body.access_token), 403, 'Forbidden');
    });

    it_('refuses a wrong secret, an unknown client and a revoked client with 401', async () => {
      const c = await client(['jobs:read']);
      expectError(
        await tokenRequest({
          grant_type: 'client_credentials',
          client_id: c.client_id,
          client_secret: `${c.client_secret}x`,
        }),
        401,
      );
      expectError(
        await tokenRequest({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: c.client_secret }),
        401,
      );
      expectError(await tokenRequest({ grant_type: 'implicit', client_id: 'nobody' }), 401);
      const issued = await accessToken(c);
      const listed = (await t.call({ method: 'GET', url: '/v1/clients' }))
        .json()
        .data.find((x: { client_id: string }) => x.client_id === c.client_id);
      expect((await t.call({ method: 'DELETE', url: `/v1/clients/${listed.id}` })).statusCode).toBe(204);
      expectError(
        await tokenRequest({
          grant_type: 'client_credentials',
          client_id: c.client_id,
          client_secret: c.client_secret,
        }),
        401,
      );
      // Its tokens stop working at once.
      expectError(await get('/pcm/jobs', issued.access_token), 401, 'Unable to validate access token');
    });

    it_('answers a missing or unknown grant_type and missing fields with 422', async () => {
      expectError(await tokenRequest({ client_id: 'x' }), 422, 'Failed Validation');
      expectError(await tokenRequest({ grant_type: 'password', client_id: 'x' }), 422, 'Failed Validation');
      expectError(await tokenRequest({ grant_type: 'client_credentials', client_id: 'x' }), 422, 'Failed Validation');
      expectError(await tokenRequest({ grant_type: 'implicit' }), 422, 'Failed Validation');
    });
  });

  describe('GET /pcm/jobs/{id}', () => {
    it_("gives the seed's example shape: a finished product import", async () => {
      const done = await bulkImport('type,name,input.language\ntranslate,Home,de\n');
      const res = await get(`/pcm/jobs/${done.id}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('ep-single', body);
      expect(body.data).toMatchObject({
        type: 'pim-job',
        id: done.id,
        attributes: {
          status: 'success',
          type: 'product-import',
          created_at: done.created_at,
          started_at: done.started_at,
          completed_at: done.completed_at,
          updated_at: done.updated_at,
        },
      });
      expect(body.data.meta.x_request_id).toBe(res.headers['request-id']);
    });

    it_('renders every documented status: pending, started, cancelling, cancelled, success, failed', async () => {
      const later = t.services.clock.now() + 3600_000;
      const scheduled = await native('export', {}, { run_at: new Date(later).toISOString(), priority: 1000 });
      const pending = await native(
        'duplicate-project',
        { project_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' },
        { run_at: new Date(later).toISOString() },
      );
      // A worker of this test takes the scheduled export: it is running until cancelled.
      const [claimed] = await claimJobs(t.services.store, {
        workerId: 'test-worker',
        types: ['export'],
        limit: 1,
        leaseMs: 3600_000,
        now: later,
      });
      expect(claimed!.id).toBe(scheduled.id);
      const statuses: Record<string, string> = {};
      const status = async (id: string) => {
        const res = await get(`/pcm/jobs/${id}`);
        expectValid('ep-single', res.json());
        return res.json().data.attributes.status as string;
      };
      statuses.pending = await status(pending.id);
      statuses.started = await status(scheduled.id);
      const cancelling = await post(`/pcm/jobs/${scheduled.id}/cancel`);
      expect(cancelling.statusCode).toBe(200);
      expectValid('ep-single', cancelling.json());
      statuses.cancelling = cancelling.json().data.attributes.status;
      const cancelled = await post(`/pcm/jobs/${pending.id}/cancel`);
      statuses.cancelled = cancelled.json().data.attributes.status;
      expect(cancelled.json().data.attributes.completed_at).toEqual(expect.any(String));
      statuses.success = await status((await t.finished((await native('export', {})).id)).id);
      const failed = await t.finished(
        (await native('bulk-import', { file_id: '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' })).id,
      );
      statuses.failed = await status(failed.id);
      expect(statuses).toEqual({
        pending: 'pending',
        started: 'started',
        cancelling: 'cancelling',
        cancelled: 'cancelled',
        success: 'success',
        failed: 'failed',
      });
    });

    it_(
      'maps export to product-export with its file locations, and duplicate-project to hierarchy-duplicate',
      async () => {
        const exported = await t.finished((await native('export', { type: 'translate' })).id);
        const job = (await get(`/pcm/jobs/${exported.id}`)).json();
        expectValid('ep-single', job);
        expect(job.data.attributes.type).toBe('product-export');
        expect(job.data.meta.filter).toBe('eq(type,translate)');
        expect(job.data.meta.file_locations).toHaveLength(1);
        const location = new URL(job.data.meta.file_locations[0]);
        const download = await t.app.inject({ method: 'GET', url: `${location.pathname}${location.search}` });
        expect(download.statusCode).toBe(200);
        expect(download.headers['content-type']).toBe('application/gzip');

        const project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Catalog' } })).json();
        const copied = await t.finished((await native('duplicate-project', { project_id: project.id })).id);
        const dup = (await get(`/pcm/jobs/${copied.id}`)).json();
        expectValid('ep-single', dup);
        expect(dup.data.attributes.type).toBe('hierarchy-duplicate');
        expect(dup.data.meta).toMatchObject({ copied_from: project.id, hierarchy_id: copied.output.new_project.id });

        // A type PXM has no equivalent for is not a PXM job: not found, not listed, not cancelled.
        const other = await native('translate', { language: 'de' });
        expectError(await get(`/pcm/jobs/${other.id}`), 404, 'Not Found');
        expectError(await post(`/pcm/jobs/${other.id}/cancel`), 404, 'Not Found');
        expectError(await get(`/pcm/jobs/${other.id}/errors`), 404, 'Not Found');
        const listed = (await get('/pcm/jobs?page[limit]=100')).json();
        expectValid('ep-multi', listed);
        expect(listed.data.map((j: { id: string }) => j.id)).not.toContain(other.id);
        expect(listed.data.map((j: { id: string }) => j.id)).toContain(exported.id);
      },
    );

    it_('answers an unknown, malformed or other workspace job with 404', async () => {
      expectError(await get('/pcm/jobs/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182'), 404, 'Not Found');
      expectError(await get('/pcm/jobs/not-a-job'), 404, 'Not Found');
      const other = await t.token(['jobs:read', 'jobs:write'], 'other');
      const theirs = (
        await t.call({
          method: 'POST',
          url: '/v1/jobs',
          token: other,
          payload: { type: 'translate', input: { language: 'de' } },
        })
      ).json();
      expectError(await get(`/pcm/jobs/${theirs.id}`), 404);
    });

    it_('answers a missing or invalid token with 401 in the JSON:API error body', async () => {
      expectError(await get('/pcm/jobs', null), 401, 'Unable to validate access token');
      expectError(await get('/pcm/jobs', 'not-a-token'), 401, 'Unable to validate access token');
    });
  });

  describe('GET /pcm/jobs', () => {
    it_('pages with page[limit] (default 25) and page[offset], with the total and links', async () => {
      // A workspace of its own, holding only job types PXM knows.
      const writer = await t.token(['jobs:write'], 'pxm-list');
      const c = await createClient(t.services, { workspace: 'pxm-list', name: 'list', scopes: ['jobs:read'] });
      const reader = (await accessToken({ client_id: c.client.clientId, client_secret: c.clientSecret })).access_token;
      for (let i = 0; i < 4; i++) {
        const res = await t.call({
          method: 'POST',
          url: '/v1/jobs',
          token: writer,
          payload: { type: 'export', input: {}, run_at: new Date(t.services.clock.now() + 3600_000).toISOString() },
        });
        expect(res.statusCode).toBe(201);
      }
      const get = (url: string) =>
        t.app.inject({ method: 'GET', url: `${EP}${url}`, headers: { authorization: `Bearer ${reader}` } });
      const all = (await get('/pcm/jobs')).json();
      expectValid('ep-multi', all);
      expect(all.meta.page.limit).toBe(25);
      const total = all.meta.results.total;
      expect(total).toBe(4);
      const page = await get('/pcm/jobs?page[limit]=2&page[offset]=1');
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expectValid('ep-multi', body);
      expect(body.data.map((j: { id: string }) => j.id)).toEqual(all.data.slice(1, 3).map((j: { id: string }) => j.id));
      expect(body.meta).toMatchObject({ results: { total }, page: { limit: 2, offset: 1 } });
      expect(body.links.first).toBe(`http://localhost:80${EP}/pcm/jobs?page%5Boffset%5D=0&page%5Blimit%5D=2`);
      expect(body.links.prev).toBe(`http://localhost:80${EP}/pcm/jobs?page%5Boffset%5D=0&page%5Blimit%5D=2`);
      expect(body.links.next).toBe(`http://localhost:80${EP}/pcm/jobs?page%5Boffset%5D=3&page%5Blimit%5D=2`);
      expect(body.links.last).toBe(`http://localhost:80${EP}/pcm/jobs?page%5Boffset%5D=2&page%5Blimit%5D=2`);
      // pim.yaml: `prev` is absent on the first page, `next` and `last` on the final one; never null.
      const first = (await get('/pcm/jobs?page[limit]=2')).json();
      expectValid('ep-multi', first);
      expect(first.links).not.toHaveProperty('prev');
      expect(first.links.next).toEqual(expect.any(String));
      const final = (await get('/pcm/jobs?page[limit]=2&page[offset]=2')).json();
      expectValid('ep-multi', final);
      expect(Object.keys(final.links).sort()).toEqual(['current', 'first', 'prev']);
      const only = (await get('/pcm/jobs')).json();
      expect(Object.keys(only.links).sort()).toEqual(['current', 'first']);
    });

    it_('refuses page[limit] over 100 or below 1 and a page[offset] beyond 10,000 with 400', async () => {
      expectError(await get('/pcm/jobs?page[limit]=101'), 400, 'Bad Request');
      expectError(await get('/pcm/jobs?page[limit]=0'), 400);
      expectError(await get('/pcm/jobs?page[offset]=10001'), 400);
      expectError(await get('/pcm/jobs?page[offset]=-1'), 400);
      expect((await get('/pcm/jobs?page[limit]=100')).statusCode).toBe(200);
    });
  });

  describe('GET /pcm/jobs/{id}/errors', () => {
    it_('lists the rows a product import could not use as pim-job-error items', async () => {
      const done = await bulkImport(
        'type,name,input.language\ntranslate,Good,de\nNot A Type,Bad,fr\ntranslate,Worse,french\n',
      );
      const res = await get(`/pcm/jobs/${done.id}/errors`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expectValid('ep-job-errors', body);
      expect(body.meta.results.total).toBe(2);
      expect(body.data.map((e: { attributes: { message: string } }) => e.attributes.message)).toEqual([
        expect.stringMatching(/^row 3: type:/),
        expect.stringMatching(/^row 4: /),
      ]);
      // Ids are stable from one request to the next.
      expect((await get(`/pcm/jobs/${done.id}/errors`)).json().data[0].id).toBe(body.data[0].id);
      const second = (await get(`/pcm/jobs/${done.id}/errors?page[limit]=1&page[offset]=1`)).json();
      expect(second.data).toEqual([body.data[1]]);
    });

    it_('reports why a job failed as a whole', async () => {
      const file = (
        await t.call({
          method: 'POST',
          url: '/v1/files?name=broken.csv',
          headers: { 'content-type': 'text/csv' },
          payload: 'name\nHome\n',
        })
      ).json();
      const failed = await t.finished((await native('bulk-import', { file_id: file.id })).id);
      expect(failed.status).toBe('failed');
      const body = (await get(`/pcm/jobs/${failed.id}/errors`)).json();
      expectValid('ep-job-errors', body);
      expect(body.meta.results.total).toBe(1);
      expect(body.data[0].attributes.message).toContain('"type" column');
    });
  });

  describe('POST /pcm/jobs/{id}/cancel', () => {
    it_('cancels a pending job and refuses a finished one with 422', async () => {
      const pending = await native('export', {}, { run_at: new Date(t.services.clock.now() + 3600_000).toISOString() });
      const res = await post(`/pcm/jobs/${pending.id}/cancel`);
      expect(res.statusCode).toBe(200);
      expectValid('ep-single', res.json());
      expect(res.json().data.attributes.status).toBe('cancelled');
      expectError(await post(`/pcm/jobs/${pending.id}/cancel`), 422, 'Failed Validation');
    });

    it_('needs a token with jobs:write: 403 otherwise', async () => {
      const reader = (await accessToken(await client(['jobs:read']))).access_token;
      const pending = await native('export', {}, { run_at: new Date(t.services.clock.now() + 3600_000).toISOString() });
      expectError(await post(`/pcm/jobs/${pending.id}/cancel`, reader), 403, 'Forbidden');
    });
  });

  describe('unknown routes and methods under the prefix', () => {
    it_('answer 404 in the JSON:API error body, never as problem details', async () => {
      for (const res of [
        await get('/pcm/products'),
        await get('/nothing'),
        await t.app.inject({ method: 'DELETE', url: `${EP}/pcm/jobs` }),
        await t.app.inject({ method: 'GET', url: `${EP}/oauth/access_token` }),
        await get('/pcm/jobs', null).then(() =>
          t.app.inject({ method: 'PUT', url: `${EP}/pcm/jobs/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182` }),
        ),
      ]) {
        expectError(res, 404, 'Not Found');
      }
    });

    it_('ignore the native representation options and answer malformed JSON bodies in the vendor body', async () => {
      const job = await native('export', {}, { run_at: new Date(t.services.clock.now() + 3600_000).toISOString() });
      const res = await t.app.inject({
        method: 'GET',
        url: `${EP}/pcm/jobs/${job.id}?fields=id&pretty=true`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/xml' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(JSON.stringify(res.json()));
      expectValid('ep-single', res.json());
      const malformed = await t.app.inject({
        method: 'POST',
        url: `${EP}/oauth/access_token`,
        headers: { 'content-type': 'application/json' },
        payload: '{"grant_type":',
      });
      expectError(malformed, 400, 'Bad Request');
    });
  });
});

describe.each(DIALECTS)('Elastic Path PXM mounted at the root on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect, { compatAtRoot: ['elasticpath'] });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('serves /oauth/access_token and /pcm/jobs at the root beside the native API', async () => {
    const c = (
      await t.call({ method: 'POST', url: '/v1/clients', payload: { name: 'root', scopes: ['jobs:read'] } })
    ).json();
    const issued = await t.app.inject({
      method: 'POST',
      url: '/oauth/access_token',
      payload: { grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret },
    });
    expect(issued.statusCode).toBe(200);
    const list = await t.app.inject({
      method: 'GET',
      url: '/pcm/jobs',
      headers: { authorization: `Bearer ${issued.json().access_token}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().links.first).toBe('http://localhost:80/pcm/jobs?page%5Boffset%5D=0&page%5Blimit%5D=25');
    expectError(await t.app.inject({ method: 'GET', url: '/pcm/nothing' }), 404);
    // The native API and its problem details are unchanged.
    const native = await t.app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(native.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(
      (await t.call({ method: 'GET', url: '/compat/elasticpath/pcm/jobs', token: issued.json().access_token }))
        .statusCode,
    ).toBe(200);
  });
});
