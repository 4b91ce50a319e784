import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { testApp, type TestApp } from '../support/app.js';

// The Python example of examples/python-worker/, run as a user runs it, against a listening server.
const DIR = fileURLToPath(new URL('../../examples/python-worker/', import.meta.url));
const python = spawnSync('python3', ['--version']).status === 0;
const title = python
  ? 'the Python example worker on %s'
  : 'the Python example worker on %s (skipped: python3 is not installed)';

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.each(DIALECTS)(title, (dialect) => {
  const it_ = !python || skipUnlessAvailable(dialect) ? it.skip : it;
  let t: TestApp | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await t?.close();
    t = undefined;
  });

  it_('counts the words of every job, then finishes its running job and exits on SIGTERM', async () => {
    t = await testApp(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const token = (
      await t.call({
        method: 'POST',
        url: '/v1/tokens',
        payload: { name: 'python', scopes: ['jobs:work'], job_types: ['word-count'] },
      })
    ).json().secret as string;
    const worker = spawn('python3', ['worker.py'], {
      cwd: DIR,
      env: { ...process.env, JOBLINE_URL: url, JOBLINE_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = worker;
    let output = '';
    worker.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    worker.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));

    const texts = Array.from({ length: 10 }, (_, n) =>
      Array.from({ length: n + 1 }, (_, i) => `word${i} and more`).join('\n'),
    );
    const ids = await Promise.all(
      texts.map(
        async (text) =>
          (await t!.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'word-count', input: { text } } })).json()
            .id as string,
      ),
    );
    const done = await Promise.all(ids.map((id) => t!.finished(id)));
    expect(
      done.map((j) => j.status),
      output,
    ).toEqual(Array(10).fill('succeeded'));
    expect(done.map((j) => j.output)).toEqual(texts.map((_, n) => ({ words: 3 * (n + 1), lines: n + 1 })));
    expect(done.every((j) => j.attempts === 1 && j.progress === 100)).toBe(true);

    const bad = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'word-count', input: { text: 42 } } })
    ).json().id as string;
    expect(await t.finished(bad)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'bad_input' } });

    // A long job is running when the worker is told to stop: it finishes the job, then exits.
    const long = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n');
    const last = (
      await t.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'word-count', input: { text: long } } })
    ).json().id as string;
    // Its first progress report shows the worker has it (a claim the server answered but the worker had
    // not read yet would be given back on SIGTERM, as it should).
    while (((await t.call({ method: 'GET', url: `/v1/jobs/${last}` })).json().progress ?? 0) === 0)
      await new Promise((r) => setTimeout(r, 20));
    worker.kill('SIGTERM');
    expect(await exited(worker), output).toBe(0);
    expect(output).toContain('word-count worker stopped');
    expect((await t.call({ method: 'GET', url: `/v1/jobs/${last}` })).json()).toMatchObject({
      status: 'succeeded',
      output: { words: 800, lines: 400 },
    });
  });

  it_(
    'keeps the leases of its running jobs with one heartbeat call for all, which brings a cancel',
    async () => {
      t = await testApp(dialect);
      const beats: number[] = [];
      let single = 0;
      t.app.addHook('preHandler', async (request) => {
        if (request.url === '/v1/worker/heartbeats') beats.push((request.body as { data: unknown[] }).data.length);
        if (request.url.endsWith('/heartbeat')) single++;
      });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const token = (
        await t.call({ method: 'POST', url: '/v1/tokens', payload: { name: 'python', scopes: ['jobs:work'] } })
      ).json().secret as string;
      // Jobs of many lines report progress line by line: they run until the test cancels them.
      const text = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
      const ids = await Promise.all(
        [1, 2, 3].map(
          async () =>
            (
              await t!.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'word-count', input: { text } } })
            ).json().id as string,
        ),
      );
      const worker = spawn('python3', ['worker.py'], {
        cwd: DIR,
        env: { ...process.env, JOBLINE_URL: url, JOBLINE_TOKEN: token, WORKER_LEASE_SECONDS: '3' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = worker;
      let output = '';
      worker.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      worker.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      // Two rounds of heartbeats, each for all three jobs in one call.
      await expect
        .poll(() => beats.filter((n) => n === 3).length, { timeout: 60_000, interval: 100 })
        .toBeGreaterThanOrEqual(2);
      expect(single, output).toBe(0);
      // A cancel reaches each job through the next batch heartbeat; the handlers stop.
      for (const id of ids) await t.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
      const states = async () =>
        Promise.all(
          ids.map(async (id) => {
            const j = (await t!.call({ method: 'GET', url: `/v1/jobs/${id}` })).json();
            return [j.status, j.attempts];
          }),
        );
      await expect.poll(states, { timeout: 60_000, interval: 200 }).toEqual(Array(3).fill(['cancelled', 1]));
      expect(single, output).toBe(0);
      worker.kill('SIGTERM');
      expect(await exited(worker), output).toBe(0);
    },
    120_000,
  );
});
