import type { TestApp } from '../support/app.js';

/** A provider of the test workspace and a token of its own. */
export async function provider(
  t: TestApp,
  name: string,
  type: 'user' | 'vendor' = 'user',
): Promise<{ id: string; type: 'user' | 'vendor'; token: string; ref: { type: 'user' | 'vendor'; id: string } }> {
  const res = await t.call({ method: 'POST', url: '/v1/providers', payload: { type, name } });
  if (res.statusCode !== 201) throw new Error(res.body);
  const id = res.json().id as string;
  const token = await t.call({
    method: 'POST',
    url: `/v1/providers/${id}/tokens`,
    payload: { name: `${name}'s token` },
  });
  if (token.statusCode !== 201) throw new Error(token.body);
  return { id, type, token: token.json().secret, ref: { type, id } };
}

/** A people job (201 expected). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function peopleJob(t: TestApp, payload: Record<string, unknown> = {}): Promise<any> {
  const res = await t.call({
    method: 'POST',
    url: '/v1/jobs',
    payload: {
      type: 'translation',
      executor: 'people',
      input: { source_language: 'en', target_language: 'de' },
      ...payload,
    },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

/** POST /v1/jobs/{id}/{action}; returns the response. */
export function act(t: TestApp, id: string, action: string, options: { token?: string; payload?: object } = {}) {
  return t.call({
    method: 'POST',
    url: `/v1/jobs/${id}/${action}`,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
  });
}
