import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/engine/define-job.js';
import { skipUnlessAvailable, DIALECTS } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { connectSse, type SseEvent } from '../support/sse.js';

// The handler moves one step each time the test hands out a ticket, so a test decides exactly where
// in a job's life a stream is cut, without sleeping.
let tickets = 0;
const waiting: (() => void)[] = [];
function release(n: number): void {
  tickets += n;
  for (const w of waiting.splice(0)) w();
}
async function ticket(): Promise<void> {
  while (tickets <= 0) await new Promise<void>((r) => waiting.push(r));
  tickets--;
}

const stepper = defineJob({
  type: 'stepper',
  input: Type.Object({ steps: Type.Integer({ minimum: 1 }) }),
  run: async (ctx) => {
    for (let i = 1; i <= ctx.input.steps; i++) {
      await ticket();
      await ctx.progress((i * 100) / ctx.input.steps, `step ${i}`);
    }
    return { steps: ctx.input.steps };
  },
});

describe.each(DIALECTS)('job events over HTTP on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp;
  let base: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    tickets = 0; // the previous database's suite let its last handlers run to the end
    t = await testApp(dialect, { definitions: [stepper], worker: true });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    auth = { authorization: `Bearer ${t.admin}` };
  });
  afterAll(async () => {
    release(1000);
    await t?.close();
  });

  async function createStepper(steps: number): Promise<string> {
    const res = await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'stepper', input: { steps } } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  }

  const names = (events: SseEvent[]) => events.map((e) => e.event);

  it_('a stream cut mid-job and resumed with Last-Event-ID misses nothing and repeats nothing, then ends', async () => {
    const id = await createStepper(4);
    const first = await connectSse(`${base}/v1/jobs/${id}/events`, auth);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    release(1);
    const seen = await first.waitFor(3); // created, running, progress 25
    expect(names(seen)).toEqual(['job.created', 'job.running', 'job.progress']);
    first.cut();
    await first.ended;
    release(2); // two more steps happen while no one is connected
    const second = await connectSse(`${base}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': seen.at(-1)!.id! });
    await second.waitFor(2);
    release(1);
    await second.ended; // the stream ends by itself after the terminal event
    const all = [...seen, ...second.events];
    expect(all.map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(names(all)).toEqual([
      'job.created',
      'job.running',
      'job.progress',
      'job.progress',
      'job.progress',
      'job.progress',
      'job.succeeded',
    ]);
    expect(JSON.parse(all[4]!.data)).toMatchObject({
      job_id: id,
      seq: 5,
      type: 'job.progress',
      data: { progress: 75, message: 'step 3' },
    });
    // What the stream said is what the history says.
    const history = (await t.call({ method: 'GET', url: `/v1/jobs/${id}/events` })).json();
    expect(history.data.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual(
      all.map((e) => [Number(e.id), e.event]),
    );
    // Reconnecting after the end is answered 204, which makes an EventSource stop.
    const after = await connectSse(`${base}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': '7' });
    expect(after.status).toBe(204);
  });

  it_(
    'the workspace feed streams every job, resumes after a cut from Last-Event-ID and filters by event name',
    async () => {
      const start = (await t.call({ method: 'GET', url: '/v1/events?page_size=100' })).json();
      let cursor = start.next_cursor as string;
      for (;;) {
        const page = (await t.call({ method: 'GET', url: `/v1/events?page_size=100&after=${cursor}` })).json();
        if (page.data.length === 0) break;
        cursor = page.next_cursor;
      }
      const feed = await connectSse(`${base}/v1/events`, { ...auth, 'last-event-id': cursor });
      const a = await createStepper(1);
      const got = await feed.waitFor(1);
      expect(got[0]).toMatchObject({ event: 'job.created' });
      feed.cut();
      const b = await createStepper(1);
      release(2);
      const resumed = await connectSse(`${base}/v1/events`, { ...auth, 'last-event-id': got[0]!.id! });
      const rest = await resumed.waitFor(7); // a: running, progress, succeeded; b: created, running, progress, succeeded
      resumed.cut();
      const perJob = (job: string) =>
        [...got, ...rest].filter((e) => JSON.parse(e.data).job_id === job).map((e) => e.event);
      expect(perJob(a)).toEqual(['job.created', 'job.running', 'job.progress', 'job.succeeded']);
      expect(perJob(b)).toEqual(['job.created', 'job.running', 'job.progress', 'job.succeeded']);
      const ids = [...got, ...rest].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      // The same catch-up over JSON, filtered to one event name.
      const done = (await t.call({ method: 'GET', url: `/v1/events?after=${cursor}&event=job.succeeded` })).json();
      expect(done.data.map((e: { job_id: string }) => e.job_id).sort()).toEqual([a, b].sort());
    },
  );

  it_('pages a job history with page tokens', async () => {
    const id = await createStepper(3);
    release(3);
    await t.finished(id);
    const first = (await t.call({ method: 'GET', url: `/v1/jobs/${id}/events?page_size=2` })).json();
    expect(first.data.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    const second = (
      await t.call({ method: 'GET', url: `/v1/jobs/${id}/events?page_size=2&page_token=${first.next_page_token}` })
    ).json();
    expect(second.data.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
    const fromSeq = (await t.call({ method: 'GET', url: `/v1/jobs/${id}/events?after=4` })).json();
    expect(fromSeq.data.map((e: { type: string }) => e.type)).toEqual(['job.progress', 'job.succeeded']);
    expect(fromSeq.next_page_token).toBeUndefined();
  });

  it_('a long poll answers as soon as the job changes, and 304 when the wait ends without a change', async () => {
    const id = await createStepper(1);
    // Once a worker holds it, the job waits for a ticket: nothing changes until the test acts.
    let job = (await t.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    while (job.status !== 'running') {
      job = (
        await t.call({
          method: 'GET',
          url: `/v1/jobs/${id}?wait=5`,
          headers: { 'if-none-match': `W/"${job.version}"` },
        })
      ).json();
    }
    // Nothing happens for a second: 304 with the same tag.
    const quiet = await t.call({
      method: 'GET',
      url: `/v1/jobs/${id}?wait=1`,
      headers: { 'if-none-match': `W/"${job.version}"` },
    });
    expect(quiet.statusCode).toBe(304);
    const polling = t.call({
      method: 'GET',
      url: `/v1/jobs/${id}?wait=30`,
      headers: { 'if-none-match': `W/"${job.version}"` },
    });
    const cancel = await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    expect(cancel.statusCode).toBe(200);
    const changed = await polling;
    expect(changed.statusCode).toBe(200);
    expect(changed.json().version).toBeGreaterThan(job.version);
    expect(changed.json().status).toBe('cancelling');
    // A tag that is already stale answers at once.
    const stale = await t.call({ method: 'GET', url: `/v1/jobs/${id}?wait=30`, headers: { 'if-none-match': 'W/"1"' } });
    expect(stale.statusCode).toBe(200);
  });

  it_('refuses bad input with clear errors', async () => {
    const id = await createStepper(1);
    const tooLong = await t.call({ method: 'GET', url: `/v1/jobs/${id}?wait=61` });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'invalid_query' });
    const badCursor = await t.call({ method: 'GET', url: '/v1/events?after=yesterday' });
    expect(badCursor.statusCode).toBe(400);
    const badName = await t.call({ method: 'GET', url: '/v1/events?event=job.exploded' });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().detail).toMatch(/job\.exploded/);
    const badResume = await connectSse(`${base}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': 'abc' });
    expect(badResume.status).toBe(400);
    const other = await t.token(['jobs:read'], 'other-workspace');
    const hidden = await connectSse(`${base}/v1/jobs/${id}/events`, { authorization: `Bearer ${other}` });
    expect(hidden.status).toBe(404);
    const anonymous = await connectSse(`${base}/v1/events`, {});
    expect(anonymous.status).toBe(401);
    release(1);
  });
});
