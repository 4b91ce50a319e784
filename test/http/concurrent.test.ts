import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// Requests that arrive together are handled as one batch (src/http/plugins/request-hooks.ts): every
// one of them must still get its own answer, whatever the others in the batch do.
describe.each(DIALECTS)('requests arriving together on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  it_('answers each with its own job, error or new job', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'export', name: `job ${i}` } })).json().id,
      );
    const reader = await t.token(['jobs:read']);
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const unknown = '01890000-0000-7000-8000-000000000000';

    type Expectation = { request: Promise<Response>; check: (status: number, body: any) => void }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const expectations: Expectation[] = [];
    for (let round = 0; round < 5; round++) {
      ids.forEach((id, i) =>
        expectations.push({
          request: fetch(`${base}/v1/jobs/${id}`, { headers: auth(reader) }),
          check: (status, body) => {
            expect(status).toBe(200);
            expect([body.id, body.name]).toEqual([id, `job ${i}`]);
          },
        }),
      );
      expectations.push({
        request: fetch(`${base}/v1/jobs/${unknown}`, { headers: auth(reader) }),
        check: (status, body) => expect([status, body.code]).toEqual([404, 'not_found']),
      });
      expectations.push({
        request: fetch(`${base}/v1/jobs/${ids[0]}`, { headers: auth('jl_not_a_token') }),
        check: (status) => expect(status).toBe(401),
      });
      expectations.push({
        request: fetch(`${base}/v1/jobs`, {
          method: 'POST',
          headers: { ...auth(reader), 'content-type': 'application/json' },
          body: '{"type":"export"}',
        }),
        check: (status, body) => expect([status, body.code]).toEqual([403, 'forbidden']),
      });
      expectations.push({
        request: fetch(`${base}/v1/jobs`, {
          method: 'POST',
          headers: { ...auth(t.admin), 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'export', name: `new ${round}` }),
        }),
        check: (status, body) => expect([status, body.name, body.status]).toEqual([201, `new ${round}`, 'pending']),
      });
    }
    const responses = await Promise.all(expectations.map((e) => e.request));
    for (const [i, response] of responses.entries()) expectations[i]!.check(response.status, await response.json());
  });
});
