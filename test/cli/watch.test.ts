import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../support/databases.js';
import { type Server, killAllServers, runCli, startServe } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';
import { connectSse } from '../support/sse.js';

const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const FIXTURE = 'test/fixtures/progress-jobs.ts';

async function createJob(server: Server, token: string, body: object): Promise<string> {
  const res = await fetch(`${server.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('jobline jobs watch and wait', { timeout: 180_000 }, () => {
  let server: Server;
  let token: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'jobline-watch-'));
  beforeAll(async () => {
    server = await startServe(['--jobs', FIXTURE, '--data', dataDir]);
    token = TOKEN.exec(server.output())![0];
  });
  afterAll(async () => {
    await killAllServers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(['jobs', ...args, '--url', server.url, '--token', token]);

  it('watch prints one plain line per change to a pipe, from pending to the end, and exits 0 when the job succeeds', async () => {
    const id = await createJob(server, token, { type: 'slow-steps', input: { steps: 4, delayMs: 150 } });
    const result = await cli(['watch', id]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('\r');
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain('[#');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^pending \(/);
    expect(lines.filter((l) => /^running\b/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('%'))).toEqual([
      '25% step 1 of 4',
      '50% step 2 of 4',
      '75% step 3 of 4',
      '100% step 4 of 4',
    ]);
    expect(lines.at(-1)).toBe('succeeded');
  });

  it('watch shows the status of a pending job on a terminal, then the progress bar beside it', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const pending = await createJob(server, token, { type: 'slow-steps', run_at: later });
    const onTerminal = async (id: string, extra: string[]) => {
      const command = [
        'node',
        '--import',
        'tsx',
        'src/cli/main.ts',
        'jobs',
        'watch',
        id,
        '--url',
        server.url,
        '--token',
        token,
        ...extra,
      ].join(' ');
      // script(1) gives the CLI a pseudo-terminal as its output, as a person's shell does.
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, out };
    };
    const waiting = await onTerminal(pending, ['--timeout', '1']);
    expect(waiting.code).toBe(124);
    expect(waiting.out).toContain('\r\x1b[2Kpending (');
    expect(waiting.out).toContain('still pending after the timeout');
    const running = await createJob(server, token, { type: 'slow-steps', input: { steps: 2, delayMs: 150 } });
    const done = await onTerminal(running, []);
    expect(done.code).toBe(0);
    expect(done.out).toMatch(/running[^\r]* \[#{15}\.{15}\] {2}50% step 1 of 2/);
  });

  it('wait prints nothing and exits 2 for a failed job, 3 for a cancelled one, 124 on timeout', async () => {
    const failing = await createJob(server, token, { type: 'halfway-failure' });
    const failed = await cli(['wait', failing]);
    expect([failed.code, failed.stdout, failed.stderr]).toEqual([2, '', '']);
    const slow = await createJob(server, token, { type: 'slow-steps', input: { steps: 100, delayMs: 100 } });
    const timedOut = await cli(['wait', slow, '--timeout', '1']);
    expect(timedOut.code).toBe(124);
    const waiting = cli(['wait', slow]);
    await fetch(`${server.url}/v1/jobs/${slow}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await waiting).code).toBe(3);
    const watched = await cli(['watch', failing]);
    expect(watched.code).toBe(2);
    expect(watched.stdout).toContain('the second half is missing');
  });

  it('watch of an unknown job is one clear line and exit 1', async () => {
    const result = await cli(['watch', '0190f5c8-5f9e-7a41-b1c2-3d4e5f607182']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error 404 not_found/);
  });
});

describe.skipIf(POSTGRES_URL === undefined)(
  'event streams across processes on PostgreSQL',
  { timeout: 180_000 },
  () => {
    const drops: (() => Promise<void>)[] = [];
    afterAll(async () => {
      await killAllServers();
      for (const d of drops) await d();
    });

    it('a client of process A sees the progress a worker in process B reports, and resumes on B after a cut', async () => {
      const { url, drop } = await postgresSchema();
      drops.push(drop);
      // A knows only the built-in job types, so only B's worker can run slow-steps.
      const a = await startServe(['--database-url', url]);
      const b = await startServe(['--database-url', url, '--jobs', FIXTURE]);
      const token = TOKEN.exec(a.output())![0];
      const auth = { authorization: `Bearer ${token}` };
      const id = await createJob(a, token, { type: 'slow-steps', input: { steps: 8, delayMs: 150 } });
      const first = await connectSse(`${a.url}/v1/jobs/${id}/events`, auth);
      const seen = await first.waitFor(4); // created, running, progress, progress
      first.cut();
      expect(seen.map((e) => e.event)).toEqual(['job.created', 'job.running', 'job.progress', 'job.progress']);
      const second = await connectSse(`${b.url}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': seen.at(-1)!.id! });
      await second.ended;
      const all = [...seen, ...second.events];
      expect(all.map((e) => Number(e.id))).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(all.at(-1)!.event).toBe('job.succeeded');
      const progress = all.filter((e) => e.event === 'job.progress').map((e) => JSON.parse(e.data).data.progress);
      expect(progress).toEqual([12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100]);
      // And a stream on A, opened before B reports anything, follows the job live to its end.
      const id2 = await createJob(a, token, { type: 'slow-steps', input: { steps: 3, delayMs: 200 } });
      const live = await connectSse(`${a.url}/v1/jobs/${id2}/events`, auth);
      await live.ended;
      expect(live.events.map((e) => e.event)).toEqual([
        'job.created',
        'job.running',
        'job.progress',
        'job.progress',
        'job.progress',
        'job.succeeded',
      ]);
    });
  },
);
