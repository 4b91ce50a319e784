import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, provider } from '../people/helpers.js';
import * as schemas from './schemas/textking.js';
import { validator } from './schemas/validate.js';

// Deleting a project, price information and the account's billing addresses, with requests shaped as
// TextKing's PHP client (TextKing/textking-api-php, vendored api.json) sends them: Guzzle's headers,
// Project::toArray() bodies with null for every member left unset. The client's api.json places the
// price-info parameters in the URI, whose template (`price-info`) has no place for them, so the client
// sends none; the wiki's requests carry them in the query string, and both are tested.

const TK = '/compat/textking/v1';
const expectValid = validator([
  schemas.link,
  schemas.job,
  schemas.project,
  schemas.projectList,
  schemas.error,
  schemas.price,
  schemas.priceInfo,
  schemas.address,
  schemas.addressList,
]);

const API = JSON.parse(readFileSync(new URL('./schemas/vendor/textking-api.json', import.meta.url), 'utf8')) as {
  operations: Record<string, { httpMethod: string; uri: string }>;
};
const ALICE = 'Alice war es leid, neben ihrer Schwester zu sitzen.'; // nine words
const UNKNOWN = '0193a0b4-0000-7000-8000-000000000000';

describe.each(DIALECTS)('TextKing projects, prices and addresses on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  /** The PHP client's request for an api.json operation; `query` is what the wiki adds to it. */
  function send(
    name: string,
    params: Record<string, string>,
    options: { body?: unknown; contentType?: string; query?: string; accept?: string } = {},
  ) {
    const op = API.operations[name]!;
    const uri = op.uri.replace(/\{(\w+)\}/g, (_m, key: string) => encodeURIComponent(params[key]!));
    const raw = typeof options.body === 'string';
    return t.app.inject({
      method: op.httpMethod as 'GET',
      url: `${TK}/${uri}${options.query ?? ''}`,
      headers: {
        accept: options.accept ?? 'application/json',
        'accept-language': 'en',
        authorization: `Bearer ${t.admin}`,
        ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { payload: raw ? (options.body as string) : JSON.stringify(options.body) } : {}),
    });
  }

  async function createProject(name: string) {
    const body = { name, due_date: null, state: null, coupon_name: null, affiliate_id: null, billing_address: null };
    const res = await send('CreateProject', {}, { body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; number: string }>();
  }

  async function createJob(projectId: string) {
    const body = {
      name: 'Alice-de.txt German > English',
      source_language: 'de',
      target_language: 'en',
      quality: 'translation',
      topic: null,
      briefing: null,
      is_active: null,
    };
    const res = await send('CreateJob', { projectId }, { body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  }

  function setRate(projectId: string, pricePerWord: number) {
    return t.call({
      method: 'PUT',
      url: `/v1/projects/${projectId}/rates`,
      payload: {
        rates: [{ source_language: 'de', target_language: 'en', price_per_word: pricePerWord, currency: 'EUR' }],
      },
    });
  }

  function expectError(res: { statusCode: number; body: string; json(): unknown }, status: number) {
    expect(res.statusCode, res.body).toBe(status);
    expectValid('textking-error', res.json());
  }

  it_('deletes a prepared project with its jobs and document, never reusing its number', async () => {
    const kept = await createProject('Kept');
    const project = await createProject('Abandoned order');
    const job = await createJob(project.id);
    const upload = await send(
      'UploadDocument',
      { projectId: project.id, jobId: job.id, documentName: 'Alice-de.txt' },
      { body: ALICE, contentType: 'text/plain' },
    );
    expect(upload.statusCode, upload.body).toBe(201);
    const importJobId = (await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).json().people
      .import_job_id as string;
    expect(importJobId).toEqual(expect.any(String));

    const deleted = await send('DeleteProject', { projectId: project.id });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(deleted.body).toBe('');

    // Gone through every API: TextKing's reads, the list, the native project and both jobs.
    expectError(await send('GetProject', { projectId: project.id }), 404);
    expectError(await send('GetJobs', { projectId: project.id }), 404);
    expectError(await send('GetJob', { projectId: project.id, jobId: job.id }), 404);
    expectError(await send('DeleteProject', { projectId: project.id }), 404);
    const list = await send('GetProjects', {});
    expectValid('textking-project-list', list.json());
    expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([kept.id]);
    expect((await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${importJobId}` })).statusCode).toBe(404);
    const natively = await t.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'translation', project_id: project.id, input: {} },
    });
    expect(natively.statusCode, 'a job in a deleted project').toBeGreaterThanOrEqual(400);
    expect(natively.statusCode).toBeLessThan(500);

    // The next project gets a new number: the deleted one's jobs' numbers mean nothing else.
    const next = await createProject('Next order');
    expect(next.number).not.toBe(project.number);
    expect([kept.number, project.number, next.number]).toEqual(['P000001', 'P000002', 'P000003']);
  });

  it_('refuses to delete a started project or one whose job a provider took, and bad ids', async () => {
    const started = await createProject('Started');
    await createJob(started.id);
    const start = await send('UpdateProject', { projectId: started.id }, { body: { name: null, state: 'running' } });
    expect(start.statusCode, start.body).toBe(200);
    expectError(await send('DeleteProject', { projectId: started.id }), 403);
    expect((await send('GetProject', { projectId: started.id })).json().state).toBe('running');

    // A provider accepted a job through the native API before the project started: its work stays.
    const taken = await createProject('Taken');
    const job = await createJob(taken.id);
    const translator = await provider(t, 'Ada');
    const offer = await act(t, job.id, 'offer', { payload: { providers: [translator.ref] } });
    expect(offer.statusCode, offer.body).toBe(200);
    expect((await act(t, job.id, 'accept', { token: translator.token })).statusCode).toBe(200);
    const refused = await send('DeleteProject', { projectId: taken.id });
    expectError(refused, 403);
    expect(refused.json().message).toMatch(/work under way/);
    expect((await send('GetJob', { projectId: taken.id, jobId: job.id })).statusCode).toBe(200);

    expectError(await send('DeleteProject', { projectId: 'not-a-uuid' }), 400);
    expectError(await send('DeleteProject', { projectId: UNKNOWN }), 404);
    const reader = await t.token(['jobs:read']);
    const forbidden = await t.app.inject({
      method: 'DELETE',
      url: `${TK}/project/${taken.id}`,
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it_('quotes a number of words and a document at the rate the workspace set last for the pair', async () => {
    // As the PHP client sends GetPriceInfoForWordCount: no parameters at all.
    const bare = await send('GetPriceInfoForWordCount', {});
    expectError(bare, 400);
    expect(bare.json().message).toMatch(/words is required/);

    const query = '?words=200&source_language=de&target_language=en&topic=8576549a-097f-45b3-8c59-fb3d6a03147d';
    const none = await send('GetPriceInfoForWordCount', {}, { query });
    expect(none.statusCode, none.body).toBe(200);
    expectValid('textking-price-info', none.json());
    expect(none.json()).toEqual({
      source_language: 'de',
      target_language: 'en',
      topic: '8576549a-097f-45b3-8c59-fb3d6a03147d',
      words: 200,
      prices: [],
    });

    const older = await createProject('Older rates');
    expect((await setRate(older.id, 0.1)).statusCode).toBe(200);
    const newer = await createProject('Newer rates');
    expect((await setRate(newer.id, 0.125)).statusCode).toBe(200);
    const quoted = await send(
      'GetPriceInfoForWordCount',
      {},
      { query: '?words=200&source_language=DE&target_language=en' },
    );
    expect(quoted.statusCode, quoted.body).toBe(200);
    expectValid('textking-price-info', quoted.json());
    expect(quoted.json().topic).toBeNull();
    expect(quoted.json().prices).toEqual(
      ['translation', 'translation-and-correction', 'basic'].map((quality) => ({
        quality,
        price_per_word: 0.125,
        total_price: 25,
        currency: 'EUR',
      })),
    );

    // A document's words are counted as its import counts them; the newer project gone, the older rate holds.
    expect((await send('DeleteProject', { projectId: newer.id })).statusCode).toBe(204);
    const document = await send(
      'GetPriceInfoForDocument',
      {},
      { body: ALICE, contentType: 'text/plain', query: '?source_language=de&target_language=en' },
    );
    expect(document.statusCode, document.body).toBe(200);
    expectValid('textking-price-info', document.json());
    expect(document.json().words).toBe(9);
    expect(document.json().prices.map((p: { total_price: number }) => p.total_price)).toEqual([0.9, 0.9, 0.9]);

    const xml = await send(
      'GetPriceInfoForWordCount',
      {},
      { query: '?words=10&source_language=de&target_language=en', accept: 'application/xml' },
    );
    expect(xml.statusCode).toBe(200);
    expect(xml.body).toContain('<price_info><source_language>de</source_language>');
    expect(xml.body).toContain(
      '<prices><price><quality>translation</quality><price_per_word>0.1</price_per_word><total_price>1</total_price>',
    );
  });

  it_('answers bad price-info requests with 400 and an unreadable document type with 406', async () => {
    for (const query of [
      '?words=-1&source_language=de&target_language=en',
      '?words=ten&source_language=de&target_language=en',
      '?words=10&source_language=d&target_language=en',
      '?words=10&source_language=de',
      '?words=10&source_language=de&target_language=en&topic=',
    ]) {
      expectError(await send('GetPriceInfoForWordCount', {}, { query }), 400);
    }
    const pair = '?source_language=de&target_language=en';
    expectError(await send('GetPriceInfoForDocument', {}, { body: ALICE, contentType: 'text/plain' }), 400);
    expectError(await send('GetPriceInfoForDocument', {}, { body: '', contentType: 'text/plain', query: pair }), 400);
    expectError(
      await send(
        'GetPriceInfoForDocument',
        {},
        { body: 'PK..', contentType: 'application/vnd.ms-powerpoint', query: pair },
      ),
      406,
    );
    expectError(
      await send('GetPriceInfoForDocument', {}, { body: '{"broken', contentType: 'application/json', query: pair }),
      400,
    );
  });

  it_('keeps an empty address book: no addresses, and a project cannot be billed to one', async () => {
    const list = await send('GetAccountAddresses', {});
    expect(list.statusCode, list.body).toBe(200);
    expectValid('textking-address-list', list.json());
    expect(list.json()).toMatchObject({ page: 1, per_page: 100, total: 0, items: [] });
    const paged = await t.app.inject({
      method: 'GET',
      url: `${TK}/account/addresses?page=2&per_page=10`,
      headers: { authorization: `Bearer ${t.admin}`, accept: 'application/xml' },
    });
    expect(paged.body).toContain('<addresses><page>2</page><per_page>10</per_page><total>0</total><items></items>');
    expectError(await send('GetAccountAddresses', {}, { query: '?per_page=101' }), 400);

    expectError(await send('GetAccountAddress', { addressId: '9c6f23b6-167d-4b01-977f-4de799e3abf3' }), 404);
    expectError(await send('GetAccountAddress', { addressId: 'a1' }), 400);

    const project = await createProject('Billed');
    const billed = await send(
      'UpdateProject',
      { projectId: project.id },
      { body: { name: 'Billed', billing_address: '9c6f23b6-167d-4b01-977f-4de799e3abf3' } },
    );
    expectError(billed, 400);
    expect(billed.json().message).toMatch(/billing_address/);
    expect((await send('GetProject', { projectId: project.id })).json().billing_address).toBeNull();
  });
});
