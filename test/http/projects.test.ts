import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

describe.each(DIALECTS)('projects API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const create = async (payload: object) => {
    const res = await t.call({ method: 'POST', url: '/v1/projects', payload });
    expect(res.statusCode).toBe(201);
    return res;
  };

  it_('creates a project: 201, Location, ETag, and numbers projects in order', async () => {
    const res = await create({
      name: 'Website',
      description: 'The public site',
      workflow_steps: ['translation', 'revision'],
    });
    const project = res.json();
    expect(res.headers.location).toBe(`/v1/projects/${project.id}`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(project).toMatchObject({
      name: 'Website',
      description: 'The public site',
      workflow_steps: ['translation', 'revision'],
      version: 1,
    });
    const next = (await create({ name: 'App' })).json();
    expect(next.number).toBe(project.number + 1);
    expect(next).toMatchObject({ description: null, workflow_steps: [] });
    const read = await t.call({ method: 'GET', url: res.headers.location });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(project);
  });

  it_('keeps any Unicode text exactly as sent', async () => {
    const name = 'Übersetzung 日本語 — ✓ 🚀 עברית e\u0301';
    const description = 'Two lines\nand a\ttab';
    const project = (await create({ name, description })).json();
    const read = (await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).json();
    expect(read.name).toBe(name);
    expect(read.description).toBe(description);
    // maxLength counts characters, not UTF-16 units: 200 emoji fit.
    expect(
      (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: '🚀'.repeat(200) } })).statusCode,
    ).toBe(201);
    expect(
      (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: '🚀'.repeat(201) } })).statusCode,
    ).toBe(422);
  });

  it_('answers 304 to If-None-Match until the project changes', async () => {
    const project = (await create({ name: 'Cached' })).json();
    const first = await t.call({ method: 'GET', url: `/v1/projects/${project.id}` });
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await t.call({
      method: 'GET',
      url: `/v1/projects/${project.id}`,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    await t.call({ method: 'PATCH', url: `/v1/projects/${project.id}`, payload: { name: 'Cached 2' } });
    const changed = await t.call({
      method: 'GET',
      url: `/v1/projects/${project.id}`,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().name).toBe('Cached 2');
  });

  it_('updates only the fields sent and bumps the version and ETag', async () => {
    const project = (await create({ name: 'Patch me', description: 'before', workflow_steps: ['translation'] })).json();
    const res = await t.call({ method: 'PATCH', url: `/v1/projects/${project.id}`, payload: { description: null } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.json()).toMatchObject({
      name: 'Patch me',
      description: null,
      workflow_steps: ['translation'],
      version: 2,
      created_at: project.created_at,
    });
    const steps = await t.call({
      method: 'PATCH',
      url: `/v1/projects/${project.id}`,
      payload: { workflow_steps: ['review', 'translation'] },
    });
    expect(steps.json()).toMatchObject({ workflow_steps: ['review', 'translation'], version: 3 });
  });

  it_('honours If-Match: 200 for the current ETag, 412 for a stale one, and leaves the project alone', async () => {
    const project = (await create({ name: 'Guarded' })).json();
    const ok = await t.call({
      method: 'PATCH',
      url: `/v1/projects/${project.id}`,
      payload: { name: 'Guarded 2' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(ok.statusCode).toBe(200);
    const stale = await t.call({
      method: 'PATCH',
      url: `/v1/projects/${project.id}`,
      payload: { name: 'Lost update' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.json()).toMatchObject({ code: 'precondition_failed', current_version: 2 });
    // A strong-looking tag of the same version matches too; `*` matches any current version.
    expect(
      (
        await t.call({
          method: 'PATCH',
          url: `/v1/projects/${project.id}`,
          payload: { name: 'G3' },
          headers: { 'if-match': '"2"' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.call({
          method: 'PATCH',
          url: `/v1/projects/${project.id}`,
          payload: { name: 'G4' },
          headers: { 'if-match': '*' },
        })
      ).statusCode,
    ).toBe(200);
    const read = (await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).json();
    expect(read).toMatchObject({ name: 'G4', version: 4 });
  });

  it_('answers 412 for an If-Match that can never match, whatever its shape', async () => {
    const project = (await create({ name: 'Odd tags' })).json();
    for (const tag of [
      'garbage',
      'W/"abc"',
      '"-1"',
      'W/"99999999999"',
      'W/"4294967296"',
      `"${'9'.repeat(400)}"`,
      'W/"1", W/"2"',
      '""',
    ]) {
      const res = await t.call({
        method: 'PATCH',
        url: `/v1/projects/${project.id}`,
        payload: { name: 'x' },
        headers: { 'if-match': tag },
      });
      expect(res.statusCode, tag).toBe(412);
      expect(res.json().code).toBe('precondition_failed');
    }
    expect((await t.call({ method: 'GET', url: `/v1/projects/${project.id}` })).json()).toMatchObject({
      name: 'Odd tags',
      version: 1,
    });
  });

  it_('refuses an empty or unknown change', async () => {
    const project = (await create({ name: 'Strict' })).json();
    for (const [payload, pointer] of [
      [{}, '#'],
      [{ colour: 'red' }, '#/colour'],
      [{ name: '' }, '#/name'],
      [{ workflow_steps: ['a', 'a'] }, '#/workflow_steps'],
    ] as const) {
      const res = await t.call({ method: 'PATCH', url: `/v1/projects/${project.id}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
  });

  it_('pages through projects with tokens and with page/per_page', async () => {
    const other = await t.token(['admin'], 'paging-ws');
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await t.call({ method: 'POST', url: '/v1/projects', token: other, payload: { name: `P${i}` } })).json().id,
      );
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await t.call({
        method: 'GET',
        url: `/v1/projects?page_size=2${pageToken ? `&page_token=${pageToken}` : ''}`,
        token: other,
      });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().data.map((p: { id: string }) => p.id));
      pageToken = res.json().next_page_token;
    } while (pageToken !== undefined);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(5);
    const page = (await t.call({ method: 'GET', url: '/v1/projects?page=2&per_page=2', token: other })).json();
    expect(page).toMatchObject({ total: 5, page: 2, per_page: 2 });
    expect(page.data).toHaveLength(2);
    const both = await t.call({ method: 'GET', url: `/v1/projects?page=1&page_token=abc`, token: other });
    expect(both.statusCode).toBe(400);
    expect(both.json().code).toBe('invalid_query');
  });
});
