// What the generated document is given after it is built from the route schemas.
//
// `fields=a,b` answers with `id` and the listed members only (negotiation.ts), so a resource's
// `required` list does not hold for it. The document says so: every operation (any route that
// negotiates its representation reads `fields`) answers its resource or a projection of it, the same members with only `id` required (in a list,
// in each item; the envelope is kept whole).

// The document is arbitrary JSON, walked by key.
type Json = Record<string, unknown>;

const REF_PREFIX = '#/components/schemas/';
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A deep copy with every `required` dropped and references into the components resolved. */
function optionalEverywhere(node: unknown, schemas: Json, seen: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => optionalEverywhere(n, schemas, seen));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    const name = ref.slice(REF_PREFIX.length);
    // A recursive schema keeps its reference past the first level: its members stay as declared.
    if (seen.has(name) || !isObject(schemas[name])) return node;
    return optionalEverywhere(schemas[name], schemas, new Set([...seen, name]));
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'required' || k === '$id') continue;
    out[k] =
      k === 'properties' && isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, optionalEverywhere(s, schemas, seen)]))
        : optionalEverywhere(v, schemas, seen);
  }
  return out;
}

function projectionOf(schema: Json, schemas: Json): Json {
  const copy = optionalEverywhere(schema, schemas, new Set()) as Json;
  return isObject(copy.properties) && 'id' in copy.properties ? { ...copy, required: ['id'] } : copy;
}

/** The response schema with its projection as the alternative; for a list envelope, its items'. */
function withProjection(schema: Json, schemas: Json, named: Map<string, string>): Json {
  const resolved =
    typeof schema.$ref === 'string' ? (schemas[schema.$ref.slice(REF_PREFIX.length)] as Json | undefined) : schema;
  const data = isObject(resolved?.properties) ? resolved.properties.data : undefined;
  if (resolved !== undefined && isObject(data) && data.type === 'array' && isObject(data.items)) {
    const properties = {
      ...(resolved.properties as Json),
      data: { ...data, items: withProjection(data.items, schemas, named) },
    };
    return { ...resolved, properties };
  }
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) {
    // A named resource gets a named projection (JobProjection), shared by every operation.
    const name = ref.slice(REF_PREFIX.length);
    const projection = `${name}Projection`;
    if (!named.has(name)) {
      named.set(name, projection);
      schemas[projection] = {
        ...projectionOf(schema, schemas),
        description: `${name} as \`fields\` selects it: \`id\` and the listed members.`,
      };
    }
    return { anyOf: [schema, { $ref: `${REF_PREFIX}${projection}` }] };
  }
  return {
    anyOf: [
      schema,
      { ...projectionOf(schema, schemas), description: 'As `fields` selects it: `id` and the listed members.' },
    ],
  };
}

export function documentProjections<T extends object>(document: T): T {
  const doc = document as Json;
  const components = (doc.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Json;
  const named = new Map<string, string>();
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Json>)) {
    for (const op of Object.values(item)) {
      if (!isObject(op)) continue;
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const content = isObject(response.content) ? response.content : undefined;
        const media = content?.['application/json'];
        if (!/^2\d\d$/.test(status) || !isObject(media) || !isObject(media.schema)) continue;
        (op.responses as Json)[status] = {
          ...response,
          content: {
            ...content,
            'application/json': { ...media, schema: withProjection(media.schema, schemas, named) },
          },
        };
      }
    }
  }
  return { ...doc, components: { ...components, schemas } } as T;
}

/**
 * Every representation is also served as XML (`Accept: application/xml`), errors as
 * application/problem+xml: each JSON response is declared in both media types (negotiation.ts).
 */
export function documentXml<T extends object>(document: T): T {
  const doc = document as Json;
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Json>)) {
    for (const op of Object.values(item)) {
      if (!isObject(op) || !isObject(op.responses)) continue;
      const responses = op.responses;
      for (const [status, response] of Object.entries(responses)) {
        if (!isObject(response) || !isObject(response.content)) continue;
        // Copies: a response object may be shared with the route schemas (errorResponses).
        const content = { ...response.content };
        if (isObject(content['application/json']))
          content['application/xml'] ??= { schema: content['application/json'].schema };
        if (isObject(content['application/problem+json']))
          content['application/problem+xml'] ??= { schema: content['application/problem+json'].schema };
        responses[status] = { ...response, content };
      }
    }
  }
  return document;
}
