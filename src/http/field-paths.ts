import type { FastifyRequest } from 'fastify';

// `fields=a,b.c` names members of the resource a route answers with. A name the resource does not
// have used to select nothing and leave only `id`, so a typo looked like an empty resource; the
// route's own response schema says which names exist.

type Schema = Record<string, unknown>;

const members = new WeakMap<object, Schema | null>();

function resolve(request: FastifyRequest, schema: unknown): Schema | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const ref = (schema as Schema).$ref;
  return typeof ref === 'string' ? (request.server.getSchema(ref) as Schema | undefined) : (schema as Schema);
}

/** The schema of what `fields` selects from: the 200 (or 201) body, or the items of its `data` list. */
function selectable(request: FastifyRequest): Schema | undefined {
  const schema = request.routeOptions.schema;
  if (schema === undefined) return undefined;
  const cached = members.get(schema);
  if (cached !== undefined) return cached ?? undefined;
  const responses = (schema.response ?? {}) as Record<string, unknown>;
  let body = resolve(request, responses['200'] ?? responses['201']);
  const data = resolve(request, (body?.properties as Schema | undefined)?.data);
  if (data?.type === 'array') body = resolve(request, data.items);
  members.set(schema, body ?? null);
  return body;
}

/** The properties a schema names, across the branches of a union or intersection; undefined when it is free-form. */
function propertiesOf(request: FastifyRequest, schema: Schema): Schema | undefined {
  const branches = [
    ...((schema.anyOf as unknown[]) ?? []),
    ...((schema.allOf as unknown[]) ?? []),
    ...((schema.oneOf as unknown[]) ?? []),
  ];
  let found = schema.properties as Schema | undefined;
  for (const branch of branches) {
    const resolved = resolve(request, branch);
    const props = resolved === undefined ? undefined : propertiesOf(request, resolved);
    if (props !== undefined) found = { ...found, ...props };
  }
  return found;
}

/** The paths of `fields` the route's resource does not have (empty when all exist or the route has no schema). */
export function unknownFields(request: FastifyRequest, fields: string[]): string[] {
  const root = selectable(request);
  if (root === undefined) return [];
  return fields.filter((path) => {
    let node: Schema | undefined = root;
    for (const name of path.split('.')) {
      const props: Schema | undefined = node === undefined ? undefined : propertiesOf(request, node);
      // A member without declared properties (a job's input or output) may hold any path.
      if (props === undefined) return false;
      if (!Object.hasOwn(props, name)) return true;
      node = resolve(request, props[name]);
    }
    return false;
  });
}
