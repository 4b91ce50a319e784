import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// The document is arbitrary JSON, walked by key.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const API_OPERATIONS = [
  'GET /healthz',
  'GET /readyz',
  'POST /v1/jobs',
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
  'POST /v1/jobs/{id}/cancel',
  'GET /v1/projects/{id}/jobs',
  'POST /v1/projects',
  'GET /v1/projects',
  'GET /v1/projects/{id}',
  'PATCH /v1/projects/{id}',
  'POST /v1/tokens',
  'GET /v1/tokens',
  'DELETE /v1/tokens/{id}',
];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `$ref` in the document, with where it was found. */
function refs(node: unknown, at = '#'): [string, string][] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Json).flatMap(([k, v]): [string, string][] =>
    k === '$ref' && typeof v === 'string' ? [[v, at]] : refs(v, `${at}/${k}`),
  );
}

const resolve = (doc: Json, ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .reduce<Json | undefined>((node, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);

/**
 * The rules of OpenAPI 3.1 that a generator can get wrong: path templating, parameter uniqueness
 * and location, response descriptions and status keys, resolvable references, defined tags and
 * security schemes, and schemas that are valid JSON Schema 2020-12 (the 3.1 default dialect).
 */
function openApiProblems(doc: Json): string[] {
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(doc.openapi)) problems.push(`openapi is ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string')
    problems.push('info needs title and version');
  const tags = new Set((doc.tags ?? []).map((t: Json) => t.name));
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    // A segment starting with ':' is a router parameter left untemplated; 'jobs:batch' is a custom method.
    if (!path.startsWith('/') || /\/:/.test(path)) problems.push(`${path}: not a templated path`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries<Json>(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!HTTP_METHODS.includes(method)) {
        problems.push(`${where}: unknown method`);
        continue;
      }
      const params: Json[] = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const seen = new Set<string>();
      for (const p of params) {
        if (!['query', 'header', 'path', 'cookie'].includes(p.in))
          problems.push(`${where}: parameter ${p.name} in ${p.in}`);
        if (seen.has(`${p.in}:${p.name}`)) problems.push(`${where}: duplicate parameter ${p.name}`);
        seen.add(`${p.in}:${p.name}`);
        if (p.schema === undefined && p.content === undefined)
          problems.push(`${where}: parameter ${p.name} has no schema`);
        if (p.in === 'path' && (p.required !== true || !templated.includes(p.name)))
          problems.push(`${where}: path parameter ${p.name}`);
      }
      for (const name of templated) if (!seen.has(`path:${name}`)) problems.push(`${where}: {${name}} is not declared`);
      const responses = Object.entries<Json>(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
        if (response.$ref === undefined && typeof response.description !== 'string')
          problems.push(`${where} ${status}: no description`);
      }
      for (const tag of op.tags ?? []) if (!tags.has(tag)) problems.push(`${where}: undeclared tag ${tag}`);
      for (const requirement of op.security ?? [])
        for (const s of Object.keys(requirement)) if (!schemes.has(s)) problems.push(`${where}: unknown scheme ${s}`);
      if (op.operationId !== undefined) {
        if (operationIds.has(op.operationId)) problems.push(`${where}: duplicate operationId`);
        operationIds.add(op.operationId);
      }
    }
  }
  for (const [ref, at] of refs(doc))
    if (!ref.startsWith('#/') || resolve(doc, ref) === undefined) problems.push(`${at}: unresolved ${ref}`);
  // Each schema must compile as JSON Schema 2020-12, references into the document included.
  const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, undefined, false);
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    try {
      ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
    } catch (error) {
      problems.push(`schema ${name}: ${(error as Error).message}`);
    }
  }
  return problems;
}

describe.each(DIALECTS)('operations endpoints on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    if (!skipUnlessAvailable(dialect)) t = await testApp(dialect);
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('serves a valid OpenAPI 3.1 document listing every API operation', async () => {
    const res = await t.call({ method: 'GET', url: '/openapi.json', token: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json();
    expect(openApiProblems(doc)).toEqual([]);
    const listed = Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed).toEqual(expect.arrayContaining(API_OPERATIONS));
    // Each documented path serves exactly the documented methods (its Allow, less HEAD and OPTIONS).
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const res = await t.call({
        method: 'OPTIONS',
        url: path.replaceAll(/\{[^}]+\}/g, '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182'),
        token: null,
      });
      expect(res.statusCode, path).toBe(204);
      const served = String(res.headers.allow)
        .split(', ')
        .filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
      expect(served, path).toEqual(
        Object.keys(item)
          .map((m) => m.toUpperCase())
          .sort(),
      );
    }
  });

  it_('documents errors as problem+json and the probes as public', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const errors = doc.paths['/v1/jobs/{id}'].get.responses['404'];
    expect(Object.keys(errors.content)).toEqual(['application/problem+json', 'application/problem+xml']);
    expect(errors.content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/v1/jobs'].get.security).toBeUndefined();
  });

  it_('catches a broken document (the check above can fail)', () => {
    const broken = {
      openapi: '3.0.0',
      info: { title: 'x', version: '1' },
      paths: {
        '/v1/jobs/:id': {
          get: {
            parameters: [{ name: 'id', in: 'path' }],
            responses: { 200: { $ref: '#/components/responses/Nope' } },
          },
        },
      },
      components: { schemas: { Bad: { type: 'strin' } } },
    };
    expect(openApiProblems(broken)).toEqual([
      'openapi is 3.0.0',
      '/v1/jobs/:id: not a templated path',
      'GET /v1/jobs/:id: parameter id has no schema',
      'GET /v1/jobs/:id: path parameter id',
      '#/paths//v1/jobs/:id/get/responses/200: unresolved #/components/responses/Nope',
      expect.stringMatching(/^schema Bad: /),
    ]);
  });

  it_('renders the API reference as HTML, also for a browser that asks for HTML', async () => {
    const res = await t.call({ method: 'GET', url: '/docs', token: null, headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('swagger-ui');
    const css = await t.call({
      method: 'GET',
      url: '/docs/static/swagger-ui.css',
      token: null,
      headers: { accept: 'text/css,*/*;q=0.1' },
    });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it_('answers liveness and readiness', async () => {
    const live = await t.call({ method: 'GET', url: '/healthz', token: null });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await t.call({ method: 'GET', url: '/readyz', token: null });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', database: dialect });
  });

  it_('answers 503 with Retry-After on /readyz while the database fails, and 200 again after', async () => {
    const store = t.services.store;
    const down = {
      getExecutor: () => {
        throw new Error('connection refused');
      },
    };
    t.services.store = new Proxy(store, { get: (target, key) => (key === 'db' ? down : Reflect.get(target, key)) });
    try {
      const res = await t.call({ method: 'GET', url: '/readyz', token: null });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ code: 'unavailable', status: 503 });
      // Liveness does not depend on the database.
      expect((await t.call({ method: 'GET', url: '/healthz', token: null })).statusCode).toBe(200);
    } finally {
      t.services.store = store;
    }
    expect((await t.call({ method: 'GET', url: '/readyz', token: null })).statusCode).toBe(200);
  });

  it_('still serves the HTTP metrics while the database fails, without job counts', async () => {
    const store = t.services.store;
    const db = store.db;
    Object.defineProperty(store, 'db', {
      value: {
        selectFrom: () => {
          throw new Error('connection refused');
        },
      },
      configurable: true,
    });
    try {
      const res = await t.call({ method: 'GET', url: '/metrics', token: null });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('jobline_http_requests_total{');
      expect(res.body).not.toMatch(/^jobline_jobs\{/m);
    } finally {
      Object.defineProperty(store, 'db', { value: db, configurable: true });
    }
    expect((await t.call({ method: 'GET', url: '/metrics', token: null })).body).toMatch(
      /^jobline_jobs\{status="pending"\} \d+$/m,
    );
  });

  it_('exposes Prometheus metrics by route pattern, latency, and jobs by status', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push((await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'metered' } })).json().id);
    await t.call({ method: 'POST', url: `/v1/jobs/${ids[0]}/cancel` });
    await t.call({ method: 'GET', url: `/v1/jobs/${ids[1]}` });
    await t.call({ method: 'GET', url: '/v1/jobs/0190f5c8-5f9e-7a41-b1c2-3d4e5f607182' });
    await t.call({ method: 'GET', url: '/no/such/route/0190f5c8' });
    await t.call({ method: 'GET', url: '/healthz' }); // lets the requests above finish being counted
    const res = await t.call({ method: 'GET', url: '/metrics', token: null, headers: { accept: 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (?:[-+0-9.eE]+|NaN|[+-]Inf)$/,
      );
    }
    const value = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value('jobline_http_requests_total{method="POST",route="/v1/jobs",status="201"}')).toBe(3);
    expect(value('jobline_http_requests_total{method="POST",route="/v1/jobs/:id/cancel",status="200"}')).toBe(1);
    expect(value('jobline_http_requests_total{method="GET",route="/v1/jobs/:id",status="200"}')).toBe(1);
    expect(value('jobline_http_requests_total{method="GET",route="/v1/jobs/:id",status="404"}')).toBe(1);
    expect(value('jobline_http_requests_total{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    // Ids never become label values, or the series would grow without bound.
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toContain('0190f5c8');
    expect(value('jobline_http_request_duration_seconds_count{method="POST",route="/v1/jobs"}')).toBe(3);
    expect(value('jobline_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/jobs"}')).toBe(3);
    expect(text).toMatch(/^# TYPE jobline_http_request_duration_seconds histogram$/m);
    expect(value('jobline_jobs{status="pending"}')).toBe(2);
    expect(value('jobline_jobs{status="cancelled"}')).toBe(1);
    expect(value('jobline_jobs{status="succeeded"}')).toBe(0);
  });
});
