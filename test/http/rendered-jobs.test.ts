import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/http/app.js';
import { FILE_LINK_REFRESH_MS, RenderedJobs, type RenderedJob } from '../../src/http/rendered-jobs.js';
import { writeJobFile } from '../../src/services/files.js';
import { sweepExpired } from '../../src/services/retention.js';
import { claimJobs, completeJobs, reportProgress } from '../../src/store/queue.js';
import { DIALECTS, TestClock, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';
import { act, peopleJob, provider } from '../people/helpers.js';

// GET /v1/jobs/{id} answers a job whose version has not moved from a rendered copy. The copy must be
// indistinguishable from a fresh rendering: the same bytes and headers as a server that keeps none,
// and never out of date, whoever changed the job (here the store's own functions, as a worker in
// another process would).
describe.each(DIALECTS)('rendered copies of jobs on %s', (dialect) => {
  let t: TestApp;
  let fresh: App;
  const clock = new TestClock(Date.now());
  beforeAll(async () => {
    if (skipUnlessAvailable(dialect)) return;
    t = await testApp(dialect, { clock });
    fresh = await buildApp(t.services, { rateLimit: { limit: 0, windowSeconds: 60 }, renderedJobBytes: 0 });
  });
  afterAll(async () => {
    await fresh?.close();
    await t?.close();
  });
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;

  const get = (app: App, id: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: `Bearer ${t.admin}`, ...headers } });
  const hits = async () => {
    const text = (await t.call({ method: 'GET', url: '/metrics' })).body;
    return Number(/^jobline_rendered_job_reads_total\{result="hit"\} (\d+)$/m.exec(text)?.[1]);
  };
  const HEADERS = ['content-type', 'etag', 'cache-control', 'retry-after', 'vary'];
  const headers = (res: LightMyRequestResponse) => Object.fromEntries(HEADERS.map((h) => [h, res.headers[h]]));
  /** The job as this app answers it, checked against a server without copies; counts the copies served. */
  const same = async (id: string) => {
    const before = await hits();
    const res = await get(t.app, id);
    const served = (await hits()) - before;
    const expected = await get(fresh, id);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(expected.body);
    expect(headers(res)).toEqual(headers(expected));
    return { job: res.json(), served, etag: res.headers.etag as string };
  };

  it_('serves a polled job from its copy until the job changes, and then its new state', async () => {
    const { id } = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'polled', input: { n: 1 } } })
    ).json();
    const first = await same(id);
    expect(first).toMatchObject({ served: 0, job: { status: 'pending', version: 1 } });
    const second = await same(id);
    expect(second).toMatchObject({ served: 1, etag: first.etag });

    const { store } = t.services;
    const [claimed] = await claimJobs(store, {
      workerId: 'w1',
      types: ['polled'],
      limit: 1,
      leaseMs: 60_000,
      now: clock.now(),
    });
    const running = await same(id);
    expect(running).toMatchObject({ served: 0, job: { status: 'running', attempts: 1 } });
    expect((await same(id)).served).toBe(1);

    expect(await reportProgress(store, 'w1', id, 40, 'reading', clock.now())).toBe(true);
    expect((await same(id)).job).toMatchObject({ progress: 40, progress_message: 'reading' });

    // A file written for the job is a new version: a client holding the old ETag gets the file.
    const before = await same(id);
    await writeJobFile(t.services, { id, workspaceId: claimed!.workspaceId }, 'out.txt', 'text/plain', 'hello');
    const withFile = await get(t.app, id, { 'if-none-match': before.etag });
    expect(withFile.statusCode).toBe(200);
    expect(withFile.json().files.map((f: { name: string }) => f.name)).toEqual(['out.txt']);
    expect(withFile.headers.etag).not.toBe(before.etag);

    const success = [
      { attempt: { jobId: id, number: 1, startedAt: clock.now(), outcome: 'succeeded' as const }, output: { rows: 3 } },
    ];
    expect((await completeJobs(store, 'w1', success, clock.now())).done).toEqual([id]);
    const done = await same(id);
    expect(done.job).toMatchObject({
      status: 'succeeded',
      output: { rows: 3 },
      attempt_history: [{ number: 1, outcome: 'succeeded' }],
    });
    expect((await same(id)).served).toBe(1);
    // A client that has this version gets 304 from the copy too.
    const hitsBefore = await hits();
    const notModified = await get(t.app, id, { 'if-none-match': done.etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect((await hits()) - hitsBefore).toBe(1);
  });

  it_('shows a cancellation made through the API at once', async () => {
    const { id } = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'cancelled-while-polled' } })
    ).json();
    await same(id);
    expect((await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` })).statusCode).toBe(200);
    expect(await same(id)).toMatchObject({
      served: 0,
      job: { status: 'cancelled', status_reason: 'cancelled_by_client' },
    });
  });

  it_(
    'never hands a copy to another workspace, to a provider the job is not for, or for another representation',
    async () => {
      const { id } = (
        await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'private', name: 'shown <once>' } })
      ).json();
      await same(id);
      await same(id);
      const stranger = await t.token(['jobs:read'], 'elsewhere');
      const other = await t.call({ method: 'GET', url: `/v1/jobs/${id}`, token: stranger });
      expect(other.statusCode).toBe(404);
      expect(other.json().code).toBe('not_found');

      const fields = await t.call({ method: 'GET', url: `/v1/jobs/${id}?fields=status` });
      expect(fields.json()).toEqual({ id, status: 'pending' });
      const pretty = await t.call({ method: 'GET', url: `/v1/jobs/${id}?pretty=true` });
      expect(pretty.body).toContain('\n  "id": ');
      const xml = await t.call({ method: 'GET', url: `/v1/jobs/${id}`, headers: { accept: 'application/xml' } });
      expect(xml.headers['content-type']).toMatch(/^application\/xml/);
      expect(xml.body).toContain('<name>shown &lt;once&gt;</name>');

      const mine = await provider(t, 'Mina');
      const theirs = await provider(t, 'Theo');
      const job = await peopleJob(t, { people: { providers: [theirs.ref] } });
      await act(t, job.id, 'offer');
      await same(job.id);
      await same(job.id);
      expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: mine.token })).statusCode).toBe(404);
      expect((await t.call({ method: 'GET', url: `/v1/jobs/${job.id}`, token: theirs.token })).json()).toMatchObject({
        id: job.id,
        status_reason: 'offered',
      });
    },
  );

  it_('renders a job with files again before its download links get old', async () => {
    const { id } = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'linked' } })).json();
    await claimJobs(t.services.store, {
      workerId: 'w2',
      types: ['linked'],
      limit: 1,
      leaseMs: 60_000,
      now: clock.now(),
    });
    await writeJobFile(
      t.services,
      {
        id,
        workspaceId: (
          await t.services.store.db
            .selectFrom('jobs')
            .select('workspace_id')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).workspace_id,
      },
      'report.csv',
      'text/csv',
      'a,b\n',
    );
    const first = await same(id);
    // Within the refresh interval the copy is served as it was, its links as signed then.
    clock.advance(FILE_LINK_REFRESH_MS / 2);
    const hitsBefore = await hits();
    const copy = await get(t.app, id);
    expect((await hits()) - hitsBefore).toBe(1);
    expect(copy.json()).toEqual(first.job);
    const link = (await get(fresh, id)).json().files[0].download_url;
    expect(link).not.toBe(first.job.files[0].download_url);
    // Then it is rendered again, with links as fresh as a server without copies gives.
    clock.advance(FILE_LINK_REFRESH_MS / 2);
    const later = await same(id);
    expect(later.served).toBe(0);
    const expires = (job: { files: { download_url: string }[] }) =>
      Number(new URL(job.files[0]!.download_url, 'http://x').searchParams.get('expires'));
    expect(expires(later.job)).toBeGreaterThan(expires(first.job));
  });

  it_('answers 410 once the job has expired, though copies of it were served', async () => {
    const { id } = (await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'kept-a-month' } })).json();
    await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    await same(id);
    expect((await same(id)).served).toBe(1);
    clock.advance(31 * 24 * 3600 * 1000);
    await sweepExpired(t.services);
    const gone = await get(t.app, id);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().code).toBe('gone');
  });
});

describe('the memory rendered copies take', () => {
  const copy = (body: string, staleAt = Infinity): RenderedJob => ({
    workspaceId: 'w',
    version: 1,
    retryAfter: undefined,
    body,
    staleAt,
  });

  it('stays within its limit, letting the oldest copies go first', () => {
    const copies = new RenderedJobs(3_000);
    for (const id of ['a', 'b', 'c']) copies.set(id, copy('x'.repeat(700)));
    expect(copies.bytes).toBeLessThanOrEqual(3_000);
    expect(['a', 'b', 'c'].map((id) => copies.get(id, 'w', 0) !== undefined)).toEqual([true, true, true]);
    copies.set('d', copy('x'.repeat(700)));
    expect(['a', 'b', 'c', 'd'].map((id) => copies.get(id, 'w', 0) !== undefined)).toEqual([false, true, true, true]);
    // A new rendering of a job replaces its copy instead of adding one.
    copies.set('b', copy('y'.repeat(700)));
    expect(copies.get('b', 'w', 0)?.body).toBe('y'.repeat(700));
    expect(copies.bytes).toBeLessThanOrEqual(3_000);
    expect(copies.get('c', 'w', 0)).toBeDefined();
  });

  it('keeps nothing larger than its limit, nothing at all when the limit is 0, and nothing past its time', () => {
    const small = new RenderedJobs(1_000);
    small.set('big', copy('x'.repeat(1_000)));
    expect(small.get('big', 'w', 0)).toBeUndefined();
    expect(small.bytes).toBe(0);
    const none = new RenderedJobs(0);
    expect(none.enabled).toBe(false);
    none.set('a', copy('x'));
    expect(none.get('a', 'w', 0)).toBeUndefined();
    const timed = new RenderedJobs(10_000);
    timed.set('a', copy('x', 100));
    expect(timed.get('a', 'other workspace', 0)).toBeUndefined();
    expect(timed.get('a', 'w', 99)).toBeDefined();
    expect(timed.get('a', 'w', 100)).toBeUndefined();
    expect(timed.bytes).toBe(0);
  });
});
