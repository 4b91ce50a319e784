import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { connectSse } from '../support/sse.js';
import { act, peopleJob, provider } from './helpers.js';

interface Ev {
  seq: number;
  type: string;
  actor: string | null;
  data: { providers?: { id: string }[]; comment?: string };
}

describe.each(DIALECTS)("a provider's view of a shared job's events on %s", (dialect) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => t?.close());
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  /** A job offered to two providers, which the second declines with a comment. */
  async function declinedByOther() {
    const mina = await provider(t, 'Mina');
    const theo = await provider(t, 'Theo', 'vendor');
    const job = await peopleJob(t, { people: { providers: [mina.ref, theo.ref] } });
    await act(t, job.id, 'offer');
    return { mina, theo, job };
  }

  it_("shows its own actions and the customer's, not another provider's decline, comment or id", async () => {
    const { mina, theo, job } = await declinedByOther();
    expect(
      (await act(t, job.id, 'decline', { token: theo.token, payload: { comment: 'Theo is on holiday' } })).statusCode,
    ).toBe(200);
    expect(
      (await act(t, job.id, 'decline', { token: mina.token, payload: { comment: 'Mina is busy' } })).statusCode,
    ).toBe(200);

    const res = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/events`, token: mina.token });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(theo.id);
    expect(res.body).not.toContain('Theo is on holiday');
    const seen = res.json().data as Ev[];
    expect(seen.map((e) => e.type)).toEqual([
      'job.created',
      'job.action.offer',
      'job.pending',
      'job.pending',
      'job.action.decline',
    ]);
    expect(seen[1]!.data.providers).toEqual([mina.ref]);
    expect(seen[4]).toMatchObject({ actor: `provider:${mina.id}`, data: { comment: 'Mina is busy' } });

    // Paged the same way.
    const first = (
      await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/events?page_size=4`, token: mina.token })
    ).json();
    const rest = (
      await t.call({
        method: 'GET',
        url: `/v1/jobs/${job.id}/events?page_token=${first.next_page_token}`,
        token: mina.token,
      })
    ).json();
    expect([...first.data, ...rest.data].map((e: Ev) => e.seq)).toEqual(seen.map((e) => e.seq));

    // The customer sees everything.
    const all = (await t.call({ method: 'GET', url: `/v1/jobs/${job.id}/events` })).json().data as Ev[];
    expect(all.find((e) => e.actor === `provider:${theo.id}`)?.data.comment).toBe('Theo is on holiday');
    expect(all.find((e) => e.type === 'job.action.offer')?.data.providers).toEqual([mina.ref, theo.ref]);
  });

  it_('streams the same view as Server-Sent Events', async () => {
    const { mina, theo, job } = await declinedByOther();
    const stream = await connectSse(`${base}/v1/jobs/${job.id}/events`, { authorization: `Bearer ${mina.token}` });
    expect(stream.status).toBe(200);
    await stream.waitFor(3);
    await act(t, job.id, 'decline', { token: theo.token, payload: { comment: 'Theo is on holiday' } });
    await act(t, job.id, 'decline', { token: mina.token, payload: { comment: 'Mina is busy' } });
    // Mina's decline changes nothing more (the job is declined already): it is the last event.
    const events = await stream.waitFor(5);
    stream.cut();
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3', '5', '6']);
    const text = events.map((e) => e.data).join('\n');
    expect(text).not.toContain(theo.id);
    expect(text).not.toContain('Theo is on holiday');
    expect(JSON.parse(events[1]!.data).data.providers).toEqual([mina.ref]);
  });

  it_('names only the provider itself among the providers of the job it reads, lists and acts on', async () => {
    const { mina, theo, job } = await declinedByOther();
    const read = await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: mina.token });
    expect(read.json().people.providers).toEqual([mina.ref]);
    const polled = await t.call({
      method: 'GET',
      url: `/v1/jobs/${job.id}?wait=1`,
      token: mina.token,
      headers: { 'if-none-match': '"stale"' },
    });
    expect(polled.json().people.providers).toEqual([mina.ref]);
    for (const url of [
      '/v1/jobs?page_size=100',
      '/v1/jobs?page=1&per_page=100',
      '/v1/jobs?order_by=updated_at&page_size=100',
    ]) {
      const listed = await t.call({ method: 'GET', url, token: mina.token });
      expect(listed.statusCode, url).toBe(200);
      expect(listed.body, url).not.toContain(theo.id);
    }
    const declined = await act(t, job.id, 'decline', { token: mina.token });
    expect(declined.statusCode).toBe(200);
    expect(declined.json().people.providers).toEqual([mina.ref]);
    // The customer still sees both, and the decline changed nobody's offer.
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).json().people.providers).toEqual([
      mina.ref,
      theo.ref,
    ]);
  });

  it_('keeps the workspace feed closed to a provider token', async () => {
    const { mina } = await declinedByOther();
    expect((await t.call({ method: 'GET', url: '/v1/events', token: mina.token })).statusCode).toBe(403);
    expect(
      (await t.call({ method: 'GET', url: '/v1/events', token: mina.token, headers: { accept: 'text/event-stream' } }))
        .statusCode,
    ).toBe(403);
  });
});
