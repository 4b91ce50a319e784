import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('listing jobs by their latest change on %s', (dialect) => {
  let t: TestApp;
  const clock = new TestClock();
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { clock });
    for (const name of ['first', 'second', 'third', 'fourth']) {
      clock.advance(1000);
      ids[name] = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'ordered', name } })).json().id;
    }
    // Changed later than the others were created: first, then third.
    clock.advance(1000);
    await t.call({ method: 'POST', url: `/v1/jobs/${ids.first}/cancel` });
    clock.advance(1000);
    await t.call({ method: 'POST', url: `/v1/jobs/${ids.third}/cancel` });
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const names = (body: { data: { name: string }[] }) => body.data.map((j) => j.name);

  it_('orders by creation by default and by the latest change with order_by=updated_at', async () => {
    expect(names((await t.call({ method: 'GET', url: '/v1/jobs?type=ordered' })).json())).toEqual([
      'fourth',
      'third',
      'second',
      'first',
    ]);
    expect(names((await t.call({ method: 'GET', url: '/v1/jobs?type=ordered&order_by=updated_at' })).json())).toEqual([
      'third',
      'first',
      'fourth',
      'second',
    ]);
    const offset = (
      await t.call({ method: 'GET', url: '/v1/jobs?type=ordered&order_by=updated_at&page=2&per_page=2' })
    ).json();
    expect([names(offset), offset.total]).toEqual([['fourth', 'second'], 4]);
  });

  it_('pages by the latest change with cursor tokens that belong to that order', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = (
        await t.call({
          method: 'GET',
          url: `/v1/jobs?type=ordered&order_by=updated_at&page_size=1${token !== undefined ? `&page_token=${token}` : ''}`,
        })
      ).json();
      seen.push(...names(page));
      token = page.next_page_token;
    } while (token !== undefined);
    expect(seen).toEqual(['third', 'first', 'fourth', 'second']);
    const created = (await t.call({ method: 'GET', url: '/v1/jobs?type=ordered&page_size=1' })).json();
    const misused = await t.call({
      method: 'GET',
      url: `/v1/jobs?type=ordered&order_by=updated_at&page_size=1&page_token=${created.next_page_token}`,
    });
    expect(misused.statusCode).toBe(400);
    expect(misused.json().code).toBe('invalid_page_token');
    expect((await t.call({ method: 'GET', url: '/v1/jobs?order_by=name' })).statusCode).toBe(400);
  });
});
