import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// No malformed request may cost a 5xx: each one below is thrown at every route it applies to and
// must come back below 500 and, when refused, as problem+json with a `code`. Where the answer is
// certain (a bad id is 400 invalid_id, broken JSON 400 malformed_json…) the exact status is checked too.

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Route {
  method: Method;
  path: string; // `{id}` stands for a real id of the right kind
  body?: object; // a valid body, for routes that take one
  list?: boolean;
}

const BODY_LIMIT = 64 * 1024;

const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/jobs', list: true },
  { method: 'POST', path: '/v1/jobs', body: { type: 'report', name: 'n', input: { a: 1 } } },
  { method: 'GET', path: '/v1/jobs/{job}' },
  { method: 'POST', path: '/v1/jobs/{job}/cancel' },
  { method: 'GET', path: '/v1/projects', list: true },
  { method: 'POST', path: '/v1/projects', body: { name: 'n', description: 'd', workflow_steps: ['translation'] } },
  { method: 'GET', path: '/v1/projects/{project}' },
  { method: 'PATCH', path: '/v1/projects/{project}', body: { name: 'n', description: 'd' } },
  { method: 'GET', path: '/v1/projects/{project}/jobs', list: true },
  { method: 'GET', path: '/v1/tokens' },
  { method: 'POST', path: '/v1/tokens', body: { name: 'n', scopes: ['jobs:read'] } },
  { method: 'DELETE', path: '/v1/tokens/{token}' },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/docs' },
];

const ID_ROUTES = ROUTES.filter((r) => r.path.includes('{'));
const BODY_ROUTES = ROUTES.filter((r) => r.body !== undefined);
const READ_ROUTES = ROUTES.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/'));

const BAD_IDS = [
  '123',
  'not-a-uuid',
  '0190f5c8-5f9e-7a41-b1c2-3d4e5f60718',
  '0190f5c8-5f9e-7a41-b1c2-3d4e5f6071822',
  '0190f5c8X5f9eX7a41Xb1c2X3d4e5f607182',
  'g190f5c8-5f9e-7a41-b1c2-3d4e5f607182',
  '%00',
  '%0A%0D',
  '%E0%A4%A',
  '%ED%A0%80', // an encoded lone surrogate
  '%F0%9F%98%80',
  "'%20OR%201=1--",
  '..%2F..%2Fetc%2Fpasswd',
  '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182%20',
  '%200190f5c8-5f9e-7a41-b1c2-3d4e5f607182',
  'a'.repeat(199),
  'a'.repeat(5000),
  '%7B%7D',
];

const BAD_QUERIES: [string, string][] = [
  ['page_size=0', 'invalid_query'],
  ['page_size=101', 'invalid_query'],
  ['page_size=-1', 'invalid_query'],
  ['page_size=abc', 'invalid_query'],
  ['page_size=1.5', 'invalid_query'],
  ['page_size=1e999', 'invalid_query'],
  ['page_size=99999999999999999999', 'invalid_query'],
  ['page_size=1&page_size=2', 'invalid_query'],
  ['page=0', 'invalid_query'],
  ['page=-3', 'invalid_query'],
  ['per_page=0', 'invalid_query'],
  ['per_page=1000', 'invalid_query'],
  ['page=1&page_token=abc', 'invalid_query'],
  ['page_token=garbage', 'invalid_page_token'],
  ['page_token=%00', 'unstorable_value'],
  ['page_token=%E0%A4%A', 'invalid_page_token'],
  [`page_token=${'A'.repeat(400)}`, 'invalid_page_token'],
  [`page_token=${'A'.repeat(5000)}`, 'invalid_query'],
  ['fields=a%3Cb', 'invalid_query'],
  ['fields=%00', 'invalid_query'],
  ['fields=a%20b', 'invalid_query'],
  ['fields=%22%27', 'invalid_query'],
  ['fields=%F0%9F%98%80', 'invalid_query'],
  ['fields=status&fields=id', 'invalid_query'],
  [`fields=${'a,'.repeat(600)}`, 'invalid_query'],
  ['pretty=maybe', 'invalid_query'],
  ['no_such_param=1', 'invalid_query'],
];

// Only the job lists take these filters.
const BAD_JOB_FILTERS: string[] = [
  'status=bogus',
  'status=PENDING',
  'status=pending&status=bogus',
  `${'status=pending&'.repeat(8)}x=1`,
  'created_after=notadate',
  'created_after=2021-02-30T00:00:00Z',
  'created_after=2020-12-31T23:59:60Z',
  'created_after=2021-01-01',
  'created_before=%00',
  'created_before=99999-01-01T00:00:00Z',
  'project_id=x',
  'project_id=%00',
  'type=Export',
  'type=%E2%80%AE',
  `type=${'a'.repeat(65)}`,
];

// Strings a client may put in any text field: each must be stored, or refused with a 4xx.
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31mred',
  '\r\nX-Injected: 1',
  '\u007f',
  '\u202eevil',
  '\ufeff',
  '\uffff\ufffe',
  'e\u0301\u0308\u0323',
  '😀'.repeat(300),
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'x'.repeat(10_000),
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  '{"json": "in a string"}',
  '%s%n%x',
  '../../etc/passwd',
];

// Lone surrogates cannot be written as JSON by JSON.stringify-and-send alone; they go as escapes.
const RAW_BODIES = [
  '{"name":"\\ud800"}',
  '{"name":"x\\udfffy"}',
  '{"type":"report","input":{"\\ud83d":1}}',
  '{"type":"report","input":{"k":"\\u0000"}}',
  `{"type":"report","input":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
  `{"type":"report","input":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`,
  '{"type":"report","input":{"n":1e400}}',
  '{"type":"report","priority":1e400}',
  '{"type":"report","priority":-0}',
  '{"type":"report","max_attempts":1.0000000000000001}',
  '{"type":"report","__proto__":{"admin":true}}',
  '{"type":"report","constructor":{"prototype":{"admin":true}}}',
  '{"type":"report","type":"import"}',
];

const BROKEN_JSON = [
  '{',
  '{"type":',
  '{"type":"report"',
  "{'type':'report'}",
  '{"type":"report",}',
  '{type:"export"}',
  '[1,',
  'nul',
  '"unterminated',
  '{"a":01}',
  '{"a":"\\x41"}',
  '\u0000',
];

const WRONG_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'image/png',
  'application/jsonx',
  'json',
];

const ODD_HEADERS: Record<string, string>[] = [
  { accept: '' },
  { accept: ';;;,,,' },
  { accept: 'application/json;q=abc' },
  { accept: '*/*;q=2' },
  { accept: `application/${'x'.repeat(5000)}` },
  { authorization: 'Bearer ' + 'x'.repeat(10_000) },
  { authorization: 'Bearer jl_aaaaaaaaaaaa_' + '\u00e9'.repeat(43) },
  { 'if-none-match': 'W/' },
  { 'if-none-match': '*' },
  { 'if-none-match': '"' + 'x'.repeat(5000) },
  { 'if-match': 'W/"' + '9'.repeat(500) + '"' },
  { 'if-match': '"-1"' },
  { 'idempotency-key': 'k'.repeat(256) },
  { 'idempotency-key': '""' },
  { 'idempotency-key': ' spaced key ' },
  { 'content-type': 'application/json; charset=latin1' },
];

describe.each(DIALECTS)('malformed requests on %s', (dialect) => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { bodyLimit: BODY_LIMIT });
    ids.project = (await t.call({ method: 'POST', url: '/v1/projects', payload: { name: 'Target' } })).json().id;
    ids.job = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'report', project_id: ids.project } })
    ).json().id;
    ids.token = (
      await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'target', scopes: ['jobs:read'] } })
    ).json().id;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const url = (route: Route, id?: string) => route.path.replace(/\{(\w+)\}/, (_m, kind: string) => id ?? ids[kind]!);

  /** Sends one request; returns why it fails the contract, or undefined when it keeps it. */
  async function check(
    label: string,
    options: InjectOptions & { token?: string | null },
    expected?: { status: number; code: string },
  ): Promise<string | undefined> {
    let res: LightMyRequestResponse;
    try {
      res = await t.call(options);
    } catch (error) {
      return `${label}: threw ${(error as Error).message}`;
    }
    if (res.statusCode >= 500) return `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`;
    if (
      expected !== undefined &&
      (res.statusCode !== expected.status || !res.body.includes(`"code":"${expected.code}"`))
    ) {
      return `${label}: expected ${expected.status} ${expected.code}, got ${res.statusCode} ${res.body.slice(0, 200)}`;
    }
    if (res.statusCode >= 400) {
      if (!String(res.headers['content-type']).startsWith('application/problem+json'))
        return `${label}: ${res.statusCode} as ${String(res.headers['content-type'])}`;
      const body = res.json();
      if (typeof body.code !== 'string' || body.status !== res.statusCode)
        return `${label}: problem without code or status ${res.body.slice(0, 200)}`;
    }
    return undefined;
  }

  async function failures(
    cases: [string, InjectOptions & { token?: string | null }, { status: number; code: string }?][],
  ): Promise<string[]> {
    const out: string[] = [];
    for (const [label, options, expected] of cases) {
      const failure = await check(label, options, expected);
      if (failure !== undefined) out.push(failure);
    }
    return out;
  }

  it_('answers a malformed id with 400 invalid_id at every route that takes one', async () => {
    const cases = ID_ROUTES.flatMap((r) =>
      BAD_IDS.map((id): [string, InjectOptions, { status: number; code: string }] => [
        `${r.method} ${url(r, id)}`,
        { method: r.method, url: url(r, id), ...(r.body ? { payload: r.body } : {}) },
        { status: 400, code: 'invalid_id' },
      ]),
    );
    expect(cases.length).toBeGreaterThan(100);
    expect(await failures(cases)).toEqual([]);
  });

  it_('answers bad query values with 400 and the right code on every list', async () => {
    const lists = ROUTES.filter((r) => r.list === true);
    const cases = lists.flatMap((r) =>
      BAD_QUERIES.map(([query, code]): [string, InjectOptions, { status: number; code: string }] => [
        `GET ${url(r)}?${query.slice(0, 60)}`,
        { method: 'GET', url: `${url(r)}?${query}` },
        { status: 400, code },
      ]),
    );
    const jobLists = lists.filter((r) => r.path.includes('jobs'));
    for (const r of jobLists)
      for (const query of BAD_JOB_FILTERS)
        cases.push([
          `GET ${url(r)}?${query.slice(0, 60)}`,
          { method: 'GET', url: `${url(r)}?${query}` },
          { status: 400, code: 'invalid_query' },
        ]);
    expect(await failures(cases)).toEqual([]);
  });

  it_('refuses odd `fields` and `pretty` values on every read', async () => {
    const junk = ['fields=a%3Cb', 'fields=%00', 'fields=%C3%A9', 'pretty=2', 'pretty=%00', 'unknown=1'];
    const cases = READ_ROUTES.flatMap((r) =>
      junk.map((q): [string, InjectOptions, { status: number; code: string }] => [
        `GET ${url(r)}?${q}`,
        { method: 'GET', url: `${url(r)}?${q}` },
        { status: 400, code: 'invalid_query' },
      ]),
    );
    // The probes ignore parameters they do not know (monitors add their own), but not bad values.
    for (const path of ['/healthz', '/readyz'])
      for (const q of junk.filter((j) => j !== 'unknown=1'))
        cases.push([
          `GET ${path}?${q}`,
          { method: 'GET', url: `${path}?${q}` },
          { status: 400, code: 'invalid_query' },
        ]);
    expect(await failures(cases)).toEqual([]);
  });

  it_('never fails on field names every object inherits, in JSON or XML', async () => {
    const names = [
      'constructor',
      'toString',
      '__proto__',
      '__proto__.polluted',
      'constructor.prototype',
      'hasOwnProperty',
      'data.constructor',
      'input.valueOf',
    ];
    const cases = [...READ_ROUTES, ...ROUTES.filter((r) => r.path === '/healthz')].flatMap((r) =>
      names.flatMap((f) =>
        ['application/json', 'application/xml'].map((accept): [string, InjectOptions] => [
          `GET ${url(r)}?fields=${f} as ${accept}`,
          { method: 'GET', url: `${url(r)}?fields=${f}`, headers: { accept } },
        ]),
      ),
    );
    expect(await failures(cases)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it_('answers broken JSON with 400 malformed_json on every route that takes a body', async () => {
    const cases = BODY_ROUTES.flatMap((r) =>
      BROKEN_JSON.map((payload): [string, InjectOptions, { status: number; code: string }] => [
        `${r.method} ${r.path} ${JSON.stringify(payload)}`,
        { method: r.method, url: url(r), payload, headers: { 'content-type': 'application/json' } },
        { status: 400, code: 'malformed_json' },
      ]),
    );
    expect(await failures(cases)).toEqual([]);
  });

  it_('answers a body that is not JSON with 415 on every route that takes a body', async () => {
    const cases = BODY_ROUTES.flatMap((r) =>
      // POST /v1/jobs also takes a multipart form (the job and its files); other routes take JSON only.
      WRONG_TYPES.filter(
        (type) => !(r.method === 'POST' && r.path === '/v1/jobs' && type.startsWith('multipart/')),
      ).map((type): [string, InjectOptions, { status: number; code: string }] => [
        `${r.method} ${r.path} as ${type}`,
        { method: r.method, url: url(r), payload: JSON.stringify(r.body), headers: { 'content-type': type } },
        { status: 415, code: 'unsupported_media_type' },
      ]),
    );
    expect(await failures(cases)).toEqual([]);
  });

  it_('answers a huge body with 413 on every route that takes one, and on those that do not', async () => {
    const huge = JSON.stringify({ name: 'x', input: { blob: 'x'.repeat(BODY_LIMIT * 4) } });
    const cases = ROUTES.filter((r) => r.method !== 'GET').map(
      (r): [string, InjectOptions, { status: number; code: string }] => [
        `${r.method} ${r.path} with ${huge.length} bytes`,
        { method: r.method, url: url(r), payload: huge, headers: { 'content-type': 'application/json' } },
        { status: 413, code: 'payload_too_large' },
      ],
    );
    expect(await failures(cases)).toEqual([]);
  });

  it_('never fails on odd Unicode, control characters or very long strings in any text field', async () => {
    const cases: [string, InjectOptions][] = [];
    for (const r of BODY_ROUTES) {
      for (const [field, valid] of Object.entries(r.body!)) {
        for (const s of ODD_STRINGS) {
          const value = Array.isArray(valid) ? [s] : typeof valid === 'object' ? { [s]: s } : s;
          cases.push([
            `${r.method} ${r.path} ${field}=${JSON.stringify(s).slice(0, 30)}`,
            { method: r.method, url: url(r), payload: { ...r.body, [field]: value } },
          ]);
        }
      }
      for (const raw of RAW_BODIES)
        cases.push([
          `${r.method} ${r.path} ${raw.slice(0, 50)}`,
          { method: r.method, url: url(r), payload: raw, headers: { 'content-type': 'application/json' } },
        ]);
    }
    expect(cases.length).toBeGreaterThan(200);
    expect(await failures(cases)).toEqual([]);
  });

  it_('refuses text no database can store with 400 and a pointer to it', async () => {
    for (const [payload, pointer] of [
      ['{"name":"a\\u0000b"}', '#/name'],
      ['{"name":"\\ud800"}', '#/name'],
      ['{"type":"report","input":{"list":["ok","\\udc00"]}}', '#/input/list/1'],
      ['{"type":"report","input":{"a/b~c":"\\u0000"}}', '#/input/a~1b~0c'],
      [`{"type":"report","input":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`, `#/input${'/a'.repeat(63)}`],
    ] as const) {
      const route = payload.includes('"type"') ? '/v1/jobs' : '/v1/projects';
      const res = await t.call({
        method: 'POST',
        url: route,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, payload.slice(0, 40)).toBe(400);
      expect(res.json().code, payload.slice(0, 40)).toBe('unstorable_value');
      expect(res.json().errors, payload.slice(0, 40)).toEqual([{ pointer, detail: expect.any(String) }]);
    }
  });

  it_('never fails on odd headers at any route', async () => {
    const cases = ROUTES.flatMap((r) =>
      ODD_HEADERS.map((headers): [string, InjectOptions & { token?: string | null }] => [
        `${r.method} ${r.path} ${JSON.stringify(headers).slice(0, 60)}`,
        {
          method: r.method,
          url: url(r),
          headers,
          ...(headers.authorization !== undefined ? { token: null } : {}),
          ...(r.body ? { payload: r.body } : {}),
        },
      ]),
    );
    expect(await failures(cases)).toEqual([]);
  });

  it_('never fails at any documented operation, including ones added after this table', async () => {
    // The OpenAPI document lists every operation; each gets bad path parameters, junk queries and odd headers.
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const cases: [string, InjectOptions][] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).map((m) => m.toUpperCase() as Method)) {
        const params = [...path.matchAll(/\{[^}]+\}/g)].length;
        const urls = params === 0 ? [path] : BAD_IDS.map((bad) => path.replaceAll(/\{[^}]+\}/g, bad));
        for (const u of urls) cases.push([`${method} ${u.slice(0, 80)}`, { method, url: u }]);
        for (const [query] of BAD_QUERIES)
          cases.push([
            `${method} ${path}?${query.slice(0, 40)}`,
            { method, url: `${path.replaceAll(/\{[^}]+\}/g, ids.job!)}?${query}` },
          ]);
        for (const headers of ODD_HEADERS)
          cases.push([
            `${method} ${path} ${JSON.stringify(headers).slice(0, 40)}`,
            { method, url: path.replaceAll(/\{[^}]+\}/g, ids.job!), headers },
          ]);
      }
    }
    expect(cases.length).toBeGreaterThan(500);
    expect(await failures(cases)).toEqual([]);
  });

  it_('counted no 5xx response in the whole run', async () => {
    const metrics = (await t.call({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('jobline_http_requests_total{');
    expect(metrics.split('\n').filter((l) => /status="5\d\d"/.test(l))).toEqual([]);
  });
});
