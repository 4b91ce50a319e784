import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { TestApp } from './app.js';

// The OpenAPI document is arbitrary JSON, walked by key.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Checks answers against what /openapi.json declares for an operation: the status must be one of its
 * responses, and a JSON body must match the schema declared for that status and media type.
 * Returns why an answer breaks the document, or undefined when it keeps it.
 */
export function answerChecker(doc: Json): (method: string, path: string, answer: Answer) => string | undefined {
  const ajv = new Ajv2020.default({ strict: false, allErrors: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, undefined, false);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (method, path, answer) => {
    const op = doc.paths?.[path]?.[method.toLowerCase()];
    if (op === undefined) return `${method} ${path} is not in the document`;
    const response =
      op.responses?.[String(answer.status)] ?? op.responses?.[`${String(answer.status)[0]}XX`] ?? op.responses?.default;
    if (response === undefined)
      return `${answer.status} is not declared (declared: ${Object.keys(op.responses ?? {}).join(', ')})`;
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
    if (response.content === undefined)
      return answer.body === '' ? undefined : `${answer.status} declares no body but one was sent (${mediaType})`;
    const media = response.content[mediaType] ?? response.content['*/*'];
    if (media === undefined)
      return `${answer.status} as ${mediaType} is not declared (declared: ${Object.keys(response.content).join(', ')})`;
    if (!/json/.test(mediaType) || media.schema === undefined) return undefined;
    const key = `${method} ${path} ${answer.status} ${mediaType}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      // References point into the document: '#/components/…' becomes 'openapi.json#/components/…'.
      const schema = JSON.parse(
        JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/'),
      );
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return `${answer.status} body is not JSON: ${answer.body.slice(0, 100)}`;
    }
    return validate(body)
      ? undefined
      : `${answer.status} body does not match its schema: ${ajv.errorsText(validate.errors)}`;
  };
}

/**
 * A worker-protocol POST as `token`, asserting that the answer is one the OpenAPI document declares,
 * with the body it declares (`/jobs/<id>/…` checked against its `/jobs/{id}/…` path).
 */
export async function postDeclared(
  t: TestApp,
  check: ReturnType<typeof answerChecker>,
  token: string,
  url: string,
  payload: object,
): Promise<LightMyRequestResponse> {
  const res = await t.call({ method: 'POST', url, payload, token });
  const path = url.replace(/\/jobs\/[^/]+\//, '/jobs/{id}/');
  expect(
    check('POST', path, {
      status: res.statusCode,
      contentType: res.headers['content-type'] as string | undefined,
      body: res.body,
    }),
    `${url} ${res.statusCode}`,
  ).toBeUndefined();
  return res;
}
