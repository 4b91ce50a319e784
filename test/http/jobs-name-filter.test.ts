import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('listing jobs by name on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    for (const name of ['Home page', 'About us', 'Pricing PAGE', '50%_off banner', 'Plain']) {
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translate', name } });
    }
    await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'translate' } }); // no name
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const names = async (query: string) => {
    const res = await t.call({ method: 'GET', url: `/v1/jobs?${query}` });
    expect(res.statusCode).toBe(200);
    return res.json().data.map((j: { name: string }) => j.name);
  };

  it_('keeps the jobs whose name contains q, in any letter case', async () => {
    expect(await names('q=page')).toEqual(['Pricing PAGE', 'Home page']);
    expect(await names('q=US')).toEqual(['About us']);
    expect(await names('q=nothing')).toEqual([]);
  });

  it_('takes LIKE wildcards in q literally', async () => {
    expect(await names(`q=${encodeURIComponent('%')}`)).toEqual(['50%_off banner']);
    expect(await names('q=_')).toEqual(['50%_off banner']);
  });

  it_('pages through the matches with a token bound to q', async () => {
    const first = (await t.call({ method: 'GET', url: '/v1/jobs?q=page&page_size=1' })).json();
    expect(first.data.map((j: { name: string }) => j.name)).toEqual(['Pricing PAGE']);
    const second = (
      await t.call({ method: 'GET', url: `/v1/jobs?q=page&page_size=1&page_token=${first.next_page_token}` })
    ).json();
    expect(second.data.map((j: { name: string }) => j.name)).toEqual(['Home page']);
    expect(second.next_page_token).toBeUndefined();
    const otherFilter = await t.call({
      method: 'GET',
      url: `/v1/jobs?q=us&page_size=1&page_token=${first.next_page_token}`,
    });
    expect(otherFilter.statusCode).toBe(400);
    expect((await t.call({ method: 'GET', url: '/v1/jobs?q=p&per_page=10' })).json().total).toBe(3); // Home page, Pricing PAGE, Plain
  });

  it_('refuses an empty q', async () => {
    expect((await t.call({ method: 'GET', url: '/v1/jobs?q=' })).statusCode).toBe(400);
  });
});
