import fc from 'fast-check';
import type { InjectOptions } from 'light-my-request';
import type { Json } from './openapi.js';

// Requests generated from the OpenAPI document: each operation's path, query and JSON body come from
// its schemas, and at every level a value may instead be something a client should not send (NUL
// bytes, unpaired surrogates, huge numbers, deep JSON, the wrong type), or the whole body may be
// broken JSON or another media type.

type Method = NonNullable<InjectOptions['method']>;

export interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Ids of existing resources, so that paths with ids reach real handlers and not only 404s. */
export type Ids = Record<'job' | 'project' | 'file' | 'token' | 'peopleJob' | 'webhook' | 'provider', string>;

const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '',
  ' ',
  'x'.repeat(3000),
  '../../etc/passwd',
  "'; DROP TABLE jobs; --",
  '%00',
  '😀',
  '\r\nX-Injected: 1',
  '1e400',
  '-1',
  '99999999999999999999',
  'null',
  '<a>&amp;</a>',
  '__proto__',
];
const HUGE_NUMBERS = [1e308, -1e308, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e21, 0.5, -0, 4294967296];

const deep = (levels: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

const nastyString = fc.constantFrom(...NASTY_STRINGS);
/** A value a schema does not expect: odd text, a number out of any range, deep JSON, another type. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(...HUGE_NUMBERS),
  fc.integer({ min: 20, max: 120 }).map(deep),
  fc.constantFrom(null, true, false, 0, -1, [], {}, [null], { '': '' }, { __proto__: { x: 1 } }),
  fc.jsonValue({ maxDepth: 2 }),
);

const EPOCH = Date.parse('2020-01-01T00:00:00Z');

export class RequestGenerator {
  private readonly schemas: Json;

  constructor(
    private readonly doc: Json,
    private readonly ids: Ids,
  ) {
    this.schemas = (doc.components?.schemas ?? {}) as Json;
  }

  private resolve(schema: Json): Json {
    let s = schema;
    for (let i = 0; i < 10 && typeof s.$ref === 'string'; i++)
      s = (this.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {}) as Json;
    return s;
  }

  /** Values of the schema, now and then replaced (at any depth) by a nasty one. */
  value(schema: Json, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof({ weight: 8, arbitrary: this.valid(schema, depth) }, { weight: 1, arbitrary: nastyValue });
  }

  private valid(input: Json, depth: number): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if (depth > 5) return fc.constant({});
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
    if ('const' in schema) return fc.constant(schema.const);
    const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
    if (Array.isArray(union) && union.length > 0) return fc.oneof(...union.map((s) => this.valid(s, depth)));
    if (Array.isArray(schema.allOf)) {
      return fc
        .tuple(...(schema.allOf as Json[]).map((s) => this.valid(s, depth)))
        .map((parts) => Object.assign({}, ...parts.filter((p) => p !== null && typeof p === 'object')) as unknown);
    }
    const types = Array.isArray(schema.type)
      ? (schema.type as string[])
      : typeof schema.type === 'string'
        ? [schema.type]
        : [];
    if (types.length > 1) return fc.oneof(...types.map((type) => this.valid({ ...schema, type }, depth)));
    const examples = Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min, 0) + 1000;
        return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) });
      }
      case 'number':
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
      case 'string':
        return this.string(schema, examples);
      case 'array': {
        const items = (schema.items ?? {}) as Json;
        const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3);
        const minLength = Math.min(typeof schema.minItems === 'number' ? schema.minItems : 0, maxLength);
        return fc.array(this.value(items, depth + 1), { minLength, maxLength });
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Json>;
        const required = new Set((schema.required ?? []) as string[]);
        const entries = Object.entries(properties);
        if (entries.length === 0)
          return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
        return fc.record(Object.fromEntries(entries.map(([name, s]) => [name, this.value(s, depth + 1)])), {
          requiredKeys: entries.map(([name]) => name).filter((name) => required.has(name)),
        });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(schema: Json, examples: unknown[]): fc.Arbitrary<unknown> {
    const known = Object.values(this.ids);
    switch (schema.format) {
      case 'uuid':
        return fc.oneof(fc.constantFrom(...known), fc.uuid());
      case 'date-time':
        return fc.integer({ min: EPOCH, max: EPOCH + 20 * 365 * 86_400_000 }).map((ms) => new Date(ms).toISOString());
      case 'uri':
        return fc.constantFrom(
          'https://example.com/hook',
          'http://127.0.0.1:9/x',
          'ftp://example.com/',
          'https://[::1]/',
        );
      case 'email':
        return fc.constantFrom('a@example.com', 'not-an-email');
    }
    const maxLength = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40;
    const minLength = Math.min(typeof schema.minLength === 'number' ? schema.minLength : 0, maxLength);
    const options: fc.Arbitrary<unknown>[] = [fc.string({ minLength, maxLength })];
    if (typeof schema.pattern === 'string') {
      try {
        options.push(
          fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= maxLength),
        );
      } catch {
        // A pattern fast-check cannot generate from: plain strings and the examples stand in.
      }
    }
    if (examples.length > 0) options.push(fc.constantFrom(...examples));
    return fc.oneof(...options);
  }

  private requiredOnly(input: Json): Json {
    const schema = this.resolve(input);
    if (schema.type !== 'object' || typeof schema.properties !== 'object') return schema;
    const required = new Set((schema.required ?? []) as string[]);
    return {
      ...schema,
      properties: Object.fromEntries(Object.entries(schema.properties as Json).filter(([name]) => required.has(name))),
    };
  }

  /** A path parameter: an existing id of the kind the path names, another id, or junk. */
  private pathParam(path: string, name: string): fc.Arbitrary<string> {
    if (name === 'name') return fc.constantFrom('report.txt', 'missing.txt', 'a'.repeat(150), 'a..b', '%00');
    const kind = /^\/v1\/(jobs|projects|files|downloads|tokens|webhooks|providers)\/\{id\}/.exec(path)?.[1];
    const OWN: Record<string, string[]> = {
      jobs: [this.ids.job, this.ids.peopleJob],
      projects: [this.ids.project],
      files: [this.ids.file],
      downloads: [this.ids.file],
      tokens: [this.ids.token],
      webhooks: [this.ids.webhook],
      providers: [this.ids.provider],
    };
    const own = (kind === undefined ? undefined : OWN[kind]) ?? [];
    const ids = fc.constantFrom(...Object.values(this.ids));
    const junk = fc.constantFrom('not-a-uuid', '%00', '0190F5C8-5F9E-7A41-B1C2-3D4E5F607182', '%F0%9F%98%80');
    return own.length > 0
      ? fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...own) },
          { weight: 1, arbitrary: ids },
          { weight: 1, arbitrary: junk },
        )
      : fc.oneof(ids, fc.uuid(), junk);
  }

  private query(parameters: Json[]): fc.Arbitrary<string> {
    // `wait` long-polls for up to its value in seconds: the fuzz pass would only wait.
    const params = parameters.filter((p) => p.in === 'query' && p.name !== 'wait');
    const each = params.map((p) =>
      fc
        .option(
          this.value((p.schema ?? {}) as Json).map((v) => serialize(p.name as string, v)),
          { freq: 2 },
        )
        .map((pair) => pair ?? ''),
    );
    const extra = fc.option(
      fc.constantFrom(
        'unknown=1',
        'fields=xyz',
        'fields=id,status',
        'pretty=true',
        'page_size=1e400',
        'q=%00',
        'wait=abc',
      ),
      { freq: 4 },
    );
    return fc
      .tuple(fc.tuple(...each), extra)
      .map(([pairs, more]) => [...pairs, more ?? ''].filter((s) => s !== '').join('&'));
  }

  private body(op: Json): fc.Arbitrary<{ payload?: string | Buffer; type?: string }> {
    const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
    const json = schema === undefined ? fc.jsonValue({ maxDepth: 2 }) : this.value(schema);
    // With a dozen optional members, a body where every one is valid is rare: the required members
    // alone reach the handler far more often.
    const minimal = schema === undefined ? json : this.valid(this.requiredOnly(schema), 0);
    return fc.oneof(
      {
        weight: 4,
        arbitrary: minimal.map((v) => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' })),
      },
      { weight: 8, arbitrary: json.map((v) => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            '{',
            '{"a":',
            'nul',
            '\u0000',
            '{"a":"\\ud800"}',
            `{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
            '{"n":1e400}',
          )
          .map((payload) => ({ payload, type: 'application/json' })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            json,
            fc.constantFrom(
              'text/plain',
              'application/xml',
              'application/x-www-form-urlencoded',
              'application/octet-stream',
              'multipart/form-data; boundary=x',
              'application/merge-patch+json',
            ),
          )
          .map(([v, type]) => ({ payload: JSON.stringify(v) ?? '', type })),
      },
      { weight: 1, arbitrary: fc.constant({}) },
    );
  }

  /** Requests for one operation of the document. */
  request(path: string, method: string): fc.Arbitrary<FuzzRequest> {
    const op = this.doc.paths[path][method] as Json;
    const parameters = [...((this.doc.paths[path].parameters ?? []) as Json[]), ...((op.parameters ?? []) as Json[])];
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const pathArb = fc
      .tuple(...names.map((name) => this.pathParam(path, name)))
      .map((values) => names.reduce((p, name, i) => p.replace(`{${name}}`, values[i]!), path));
    const takesBody = method !== 'get' && method !== 'delete';
    const headers = fc.record(
      {
        accept: fc.constantFrom(
          'application/json',
          'application/json',
          'application/xml',
          '*/*',
          'text/html',
          'application/json;q=0',
        ),
        'idempotency-key': fc.constantFrom('k1', 'k2', ' ', 'x'.repeat(300)),
        'if-match': fc.constantFrom('"1"', '"999"', 'W/"1"', '*'),
        range: fc.constantFrom('bytes=0-1', 'bytes=5-', 'bytes=-1', 'bytes=99999-', 'bytes=a-b'),
      },
      { requiredKeys: [] },
    );
    const upload = fc.record({
      payload: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      type: fc.constantFrom('text/plain', 'application/octet-stream', 'application/json'),
    });
    const isUpload =
      op.requestBody === undefined && takesBody && parameters.some((p) => p.in === 'query' && p.name === 'name');
    const body: fc.Arbitrary<{ payload?: string | Buffer; type?: string }> = !takesBody
      ? fc.constant({})
      : isUpload
        ? upload
        : this.body(op);
    return fc.tuple(pathArb, this.query(parameters), headers, body).map(([p, query, h, b]) => ({
      method: method.toUpperCase() as Method,
      url: query === '' ? p : `${p}?${query}`,
      headers: { ...(h as Record<string, string>), ...(b.type !== undefined ? { 'content-type': b.type } : {}) },
      ...(b.payload !== undefined ? { payload: b.payload } : {}),
    }));
  }
}

/** Percent-encoding that also sends unpaired surrogates, as their three bytes (as a careless client would). */
function percentEncode(s: string): string {
  return s.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[^\uD800-\uDFFF]+|[\uD800-\uDBFF][\uDC00-\uDFFF]/g,
    (part) => {
      if (part.length !== 1 || part.charCodeAt(0) < 0xd800 || part.charCodeAt(0) > 0xdfff)
        return encodeURIComponent(part);
      const c = part.charCodeAt(0);
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    },
  );
}

/** A query parameter as a client would send it: arrays repeated, objects as JSON, the rest as text. */
function serialize(name: string, value: unknown): string {
  const text = (v: unknown) => percentEncode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
  if (Array.isArray(value)) return value.map((v) => `${name}=${text(v)}`).join('&');
  return `${name}=${text(value)}`;
}

/** Compatible routes with made-up bodies: they have no schemas in the document. */
const COMPAT_FIELDS = [
  'name',
  'source_language',
  'target_language',
  'quality',
  'topic',
  'briefing',
  'is_active',
  'url',
  'events',
  'targetLangs',
  'status',
  'jobStatus',
  'grant_type',
  'client_id',
  'client_secret',
  'data',
  'type',
  'project',
  'include',
  'jobs',
  'uid',
];

export function compatRequest(templates: [string, string][], ids: Ids): fc.Arbitrary<FuzzRequest> {
  const fill = (template: string) =>
    fc
      .tuple(
        ...[...template.matchAll(/:(\w+)/g)].map(() =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...Object.values(ids)) },
            { weight: 1, arbitrary: fc.constantFrom('x', '%00', '0', 'a'.repeat(300)) },
          ),
        ),
      )
      .map((values) => {
        let i = 0;
        return template.replace(/:(\w+)/g, () => values[i++]!);
      });
  const value = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('de', 'en', 'translation', 'client_credentials', 'COMPLETED', 'https://example.com/cb'),
      ),
    },
    { weight: 1, arbitrary: nastyValue },
  );
  const object = fc.dictionary(fc.constantFrom(...COMPAT_FIELDS), value, { maxKeys: 5 });
  const body = fc.oneof(
    object.map((o) => ({ payload: JSON.stringify(o), type: 'application/json' })),
    object.map((o) => ({
      payload: new URLSearchParams(
        Object.entries(o).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
      ).toString(),
      type: 'application/x-www-form-urlencoded',
    })),
    object.map((o) => ({
      payload: `<project>${Object.entries(o)
        .map(([k, v]) => `<${k}>${typeof v === 'string' ? v.replaceAll('<', '&lt;') : JSON.stringify(v)}</${k}>`)
        .join('')}</project>`,
      type: 'application/xml',
    })),
    fc
      .constantFrom('{', '<a>', '<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>', '\u0000')
      .map((payload) => ({ payload, type: 'application/json' })),
    fc.constant({ payload: undefined, type: undefined }),
  );
  const query = fc.option(
    fc.constantFrom(
      'page=0',
      'per_page=1e400',
      'page=2&per_page=1',
      'state=%00',
      'opt_fields=%00',
      'opt_fields=status,this.(a|b)',
      'filter=eq(status,%00)',
      'page[limit]=-1',
      'q=%00',
    ),
    { freq: 2 },
  );
  const headers = fc.record(
    {
      accept: fc.constantFrom('application/json', 'application/xml', 'text/html'),
      memsource: fc.constantFrom(
        '{"targetLangs":["de"]}',
        '{"targetLangs":["\\u0000"]}',
        'x',
        '{"targetLangs":["de"],"due":"1e400"}',
      ),
      'content-disposition': fc.constantFrom("filename*=UTF-8''a.txt", "filename*=UTF-8''%00.txt", 'filename=""'),
    },
    { requiredKeys: [] },
  );
  return fc.tuple(fc.constantFrom(...templates), query, headers, body).chain(([[method, template], q, h, b]) =>
    fill(template).map((path) => ({
      method: method as Method,
      url: q === null ? path : `${path}?${q}`,
      headers: { ...(h as Record<string, string>), ...(b.type !== undefined ? { 'content-type': b.type } : {}) },
      ...(b.payload !== undefined ? { payload: b.payload } : {}),
    })),
  );
}
