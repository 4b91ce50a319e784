import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { unstorableValue, type FieldError } from '../../core/errors.js';
import { badText, unstorableJson } from '../../core/json.js';

// Bodies the JSON content-type parser has already checked as it parsed them.
const JSON_BODY = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

/** Parsed data (a form, XML, multipart's job), not a stream or buffer an upload route reads as bytes. */
function isParsed(body: unknown): boolean {
  if (typeof body === 'string' || Array.isArray(body)) return true;
  if (body === null || typeof body !== 'object') return false;
  const proto = Object.getPrototypeOf(body) as unknown;
  return proto === Object.prototype || proto === null;
}

function inRecord(record: unknown, prefix: string): FieldError | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') continue;
      const detail = badText(v);
      if (detail !== undefined) return { pointer: `#/${prefix}/${name}`, detail };
    }
    const detail = badText(name);
    if (detail !== undefined) return { pointer: `#/${prefix}`, detail: `has a name that ${detail}` };
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold NUL (U+0000) or unpaired surrogates, which SQLite stores: such
 * a string reaching a query is a 500 on one database and a row on the other. Every string a route can
 * read is therefore checked once before its handler runs, on native and compatible routes alike: the
 * path parameters, the query, and a body that is not JSON (forms, XML, multipart's JSON field; JSON
 * bodies are checked as they are parsed). It runs after schema validation so a malformed id or query
 * value keeps its own, more precise error.
 *
 * Headers need no walk on every request: Node's HTTP parser answers 400 to a NUL in a header (the
 * server does not enable its lenient parser), and it decodes header bytes one to a character, so a
 * header cannot hold a surrogate either. What a route decodes out of a header (percent-escapes, JSON)
 * it checks itself.
 */
export function installStorableInput(app: FastifyInstance): void {
  app.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const found =
      inRecord(request.params, 'params') ??
      inRecord(request.query, 'query') ??
      (isParsed(request.body) && !JSON_BODY.test(request.headers['content-type'] ?? '')
        ? unstorableJson(request.body)
        : undefined);
    if (found === undefined) done();
    else done(unstorableValue(found) as unknown as Parameters<HookHandlerDoneFunction>[0]);
  });
}
