import { Type } from '@sinclair/typebox';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/events.js';
import { defineJob } from '../../src/engine/define-job.js';
import { decodeCursor, lastJobEvent, listJobEvents } from '../../src/store/events.js';
import { readDispatchCursor } from '../../src/store/webhook-dispatch.js';
import { testApp, type TestApp } from '../support/app.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { startReceiver, until, type Answer, type Received, type Receiver } from './receiver.js';

const step = defineJob({
  type: 'hook-step',
  input: Type.Object({}),
  run: async (ctx) => {
    await ctx.progress(50, 'halfway');
    return { ok: true };
  },
});

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function verify(secret: string, r: Received): Json {
  return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
}

describe.each(DIALECTS)('webhook deliveries on %s', (dialect) => {
  let t: TestApp;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, {
      definitions: [step],
      worker: true,
      policy: { webhookAllowPrivate: true },
      // Three quick retries instead of Standard Webhooks' three days.
      webhooks: { retryDelaysMs: [20, 20, 20], pollMs: 50, dispatcher: { pollMs: 50 } },
    });
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  async function receiver(answer?: (r: Received, index: number) => Answer): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  async function endpoint(url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
    const res = await t.call({ method: 'POST', url: '/v1/webhooks', payload: { url, events } });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const deliveries = async (hookId: string): Promise<Json[]> =>
    (await t.call({ method: 'GET', url: `/v1/webhooks/${hookId}/deliveries?page_size=100` })).json().data;
  const idleJob = async (extra: object = {}): Promise<string> =>
    (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'hook-idle', ...extra } })).json().id;

  /** Waits until the dispatcher has read past the job's events. */
  async function dispatched(jobId: string): Promise<void> {
    const { store } = t.services;
    await until('the dispatcher passed the job', async () => {
      const last = await lastJobEvent(store, jobId);
      const cur = await readDispatchCursor(store.db);
      if (last === undefined) return undefined;
      const ev = decodeCursor(last.cursor)!;
      const passed = cur.tx !== ev.tx ? cur.tx > ev.tx : cur.id !== ev.id ? cur.id > ev.id : cur.k >= ev.k;
      return passed ? true : undefined;
    });
  }

  it_(
    'delivers every event of 200 jobs exactly once per webhook-id, in order per job, each signature verified',
    async () => {
      const rx = await receiver();
      const hook = await endpoint(`${rx.url}/all`);
      const created = await t.call({
        method: 'POST',
        url: '/v1/jobs:batch',
        payload: { jobs: Array.from({ length: 200 }, () => ({ type: 'hook-step' })) },
      });
      expect(created.statusCode).toBe(201);
      const ids = new Set<string>(created.json().data.map((j: { id: string }) => j.id));
      for (const id of ids) await t.finished(id);
      const timelines = new Map<string, JobEvent[]>();
      for (const id of ids) timelines.set(id, await listJobEvents(t.services.store, id, 0, 100));
      const expected = [...timelines.values()].flat();
      expect(expected.length).toBeGreaterThanOrEqual(200 * 4);
      const mine = () => rx.received.filter((r) => ids.has(JSON.parse(r.body).data.job_id));
      await until('every event delivered', () => (mine().length >= expected.length ? true : undefined));

      const seen = new Set<string>();
      const byJob = new Map<string, { seq: number; type: string }[]>();
      for (const r of mine()) {
        const payload = verify(hook.secret, r);
        const msgId = r.headers['webhook-id'] as string;
        expect(msgId).toMatch(/^msg_[A-Za-z0-9_]+$/);
        expect(seen.has(msgId)).toBe(false);
        seen.add(msgId);
        expect(payload.data.job_type).toBe('hook-step');
        byJob.set(payload.data.job_id, [
          ...(byJob.get(payload.data.job_id) ?? []),
          { seq: payload.data.seq, type: payload.type },
        ]);
      }
      for (const id of ids) {
        const want = timelines.get(id)!.map((e) => ({ seq: e.seq, type: e.name }));
        expect(byJob.get(id)).toEqual(want);
        expect(want.map((e) => e.type)).toEqual(
          expect.arrayContaining(['job.created', 'job.running', 'job.progress', 'job.succeeded']),
        );
      }
      await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
    },
  );

  it_(
    'retries a receiver answering 500 three times and delivers on the fourth attempt, the same bytes and webhook-id each time',
    async () => {
      const rx = await receiver((_r, i) =>
        i < 3 ? { status: 500, body: 'x'.repeat(5000) } : { status: 200, body: 'thanks' },
      );
      const hook = await endpoint(rx.url, ['job.created']);
      const jobId = await idleJob();
      const [delivery] = await until('the delivery succeeded', async () => {
        const list = await deliveries(hook.id);
        return list[0]?.status === 'succeeded' ? list : undefined;
      });
      expect(delivery).toMatchObject({
        job_id: jobId,
        event: 'job.created',
        seq: 1,
        attempts: 4,
        last_status_code: 200,
        last_error: null,
      });
      expect(delivery.attempt_history.map((a: Json) => a.status_code)).toEqual([500, 500, 500, 200]);
      expect(delivery.attempt_history.map((a: Json) => a.number)).toEqual([1, 2, 3, 4]);
      expect(delivery.attempt_history[0].response_body).toHaveLength(1024);
      expect(delivery.attempt_history[0].error).toBe('HTTP 500');
      expect(delivery.attempt_history[3].response_body).toBe('thanks');
      expect(rx.received).toHaveLength(4);
      expect(new Set(rx.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.msg_id]));
      expect(new Set(rx.received.map((r) => r.body))).toEqual(new Set([delivery.payload]));
      for (const r of rx.received) verify(hook.secret, r);
      await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
    },
  );

  it_(
    'disables an endpoint that answers 410, and a replay after re-enabling sends the same message again',
    async () => {
      let gone = true;
      const rx = await receiver(() => ({ status: gone ? 410 : 200 }));
      const hook = await endpoint(rx.url, ['job.created']);
      await idleJob();
      const disabled = await until('the endpoint disabled', async () => {
        const w = (await t.call({ method: 'GET', url: `/v1/webhooks/${hook.id}` })).json();
        return w.disabled ? w : undefined;
      });
      expect(disabled.disabled_reason).toMatch(/410/);
      const [failed] = await deliveries(hook.id);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410 });
      expect(rx.received).toHaveLength(1);

      // While disabled, new events are not delivered to it.
      await dispatched(await idleJob());
      gone = false;
      expect(
        (await t.call({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, payload: { disabled: false } })).json()
          .disabled,
      ).toBe(false);
      const replay = await t.call({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${failed.id}/replay` });
      expect(replay.statusCode).toBe(202);
      expect(replay.json().status).toBe('pending');
      await until('the replay delivered', async () =>
        (await deliveries(hook.id))[0]?.status === 'succeeded' ? true : undefined,
      );
      expect(rx.received).toHaveLength(2);
      expect(rx.received[1]!.headers['webhook-id']).toBe(failed.msg_id);
      expect(rx.received[1]!.body).toBe(failed.payload);
      expect((await deliveries(hook.id)).length).toBe(1);
      await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
    },
  );

  it_('signs with both secrets for a day after a rotation, and each signature verifies', async () => {
    const rx = await receiver();
    const hook = await endpoint(rx.url, ['job.created']);
    const rotated = (await t.call({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret` })).json();
    await idleJob();
    const r = await until('a delivery', () => rx.received[0]);
    const signatures = (r.headers['webhook-signature'] as string).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(verify(rotated.secret, r).type).toBe('job.created');
    expect(verify(hook.secret, r).type).toBe('job.created');
    // Each signature on its own, so neither verifies only thanks to the other.
    for (const [secret, signature] of [
      [rotated.secret, signatures[0]!],
      [hook.secret, signatures[1]!],
    ]) {
      verify(secret, { ...r, headers: { ...r.headers, 'webhook-signature': signature } });
    }
    await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
  });

  it_('does not follow redirects: a 3xx is a failed attempt, and the last attempt fails the delivery', async () => {
    const rx = await receiver((r) =>
      r.path === '/start' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 },
    );
    const hook = await endpoint(`${rx.url}/start`, ['job.created']);
    await idleJob();
    const [delivery] = await until('the delivery failed', async () => {
      const list = await deliveries(hook.id);
      return list[0]?.status === 'failed' ? list : undefined;
    });
    expect(delivery.attempts).toBe(4);
    expect(
      delivery.attempt_history.every((a: Json) => a.status_code === 302 && /redirects are not followed/.test(a.error)),
    ).toBe(true);
    expect(rx.received.map((r) => r.path)).toEqual(['/start', '/start', '/start', '/start']);
    await t.call({ method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
  });

  it_("delivers a job's events to its callback_url, signed with the workspace's callback secret", async () => {
    const rx = await receiver();
    // The first job with a callback_url creates the callback endpoint; rotating its secret reveals one.
    const first = await idleJob({ callback_url: `${rx.url}/first` });
    await until('the first callback', () => rx.received.find((r) => r.path === '/first'));
    const callback = (await t.call({ method: 'GET', url: '/v1/webhooks?page_size=100' }))
      .json()
      .data.find((w: Json) => w.kind === 'callback');
    expect(callback).toMatchObject({ url: null, events: ['*'] });
    const { secret } = (await t.call({ method: 'POST', url: `/v1/webhooks/${callback.id}/rotate-secret` })).json();

    const job = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'hook-step', callback_url: `${rx.url}/cb` } })
    ).json();
    expect(job.callback_url).toBe(`${rx.url}/cb`);
    await t.finished(job.id);
    await until('the terminal callback', () =>
      rx.received.find((r) => r.path === '/cb' && JSON.parse(r.body).type === 'job.succeeded'),
    );
    const mine = rx.received.filter((r) => r.path === '/cb').map((r) => verify(secret, r));
    expect(mine.every((p: Json) => p.data.job_id === job.id)).toBe(true);
    expect(mine.map((p: Json) => p.data.seq)).toEqual(mine.map((_p: Json, i: number) => i + 1));
    expect(mine.map((p: Json) => p.type)).toEqual(
      expect.arrayContaining(['job.created', 'job.running', 'job.progress', 'job.succeeded']),
    );
    expect(rx.received.filter((r) => JSON.parse(r.body).data.job_id === first).every((r) => r.path === '/first')).toBe(
      true,
    );

    // The receiver may have answered before the sender recorded the outcome.
    const logged: Json[] = await until('every callback recorded', async () => {
      const data = (
        await t.call({ method: 'GET', url: `/v1/webhooks/${callback.id}/deliveries?job_id=${job.id}` })
      ).json().data;
      return data.every((d: Json) => d.status === 'succeeded') ? data : undefined;
    });
    expect(logged.length).toBe(mine.length);
    expect(logged.every((d: Json) => d.url === `${rx.url}/cb`)).toBe(true);
  });
});
