import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STARTER_JOB } from '../src/cli/starter-files.js';
import { codeBlocks, copyCheckout, ROOT, userEnv } from './support/checkout.js';
import { eventually, freePort } from './support/processes.js';

// The README's commands, run as written in a copy of the checkout: the first start, the job type it
// shows saved where it says, the start with --jobs, then every other shell block in order as one
// script (the second terminal), with the token the first start printed and the test's port in place of
// 8080. `npm install` is not run again (the suite runs in an installed checkout); the block that
// packs Jobline into a project of its own is run by test/package/install.test.ts.
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const work = mkdtempSync(join(tmpdir(), 'jobline-readme-'));

/** Runs a bash script in a process group of its own, killed whole if it outlives two minutes. */
function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    env: userEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}

describe('the README', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  async function npmStart(
    dir: string,
    command: string,
    port: number,
  ): Promise<{ child: ChildProcess; output: () => string }> {
    const args = command.trim().split(/\s+/).slice(1);
    const child = spawn('npm', args, {
      cwd: dir,
      env: userEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    expect(await eventually(() => Promise.resolve(out.includes('Jobline is serving')), 60_000), out).toBe(true);
    return { child, output: () => out };
  }

  it('runs its tour as written', { timeout: 300_000 }, async () => {
    const dir = copyCheckout(join(work, 'jobline'));
    const blocks = codeBlocks(README);
    const shell = blocks.filter((b) => b.lang === 'sh');
    const [start, withJobs, ...rest] = shell;
    expect(start!.code).toMatch(/^npm install\b.*\nnpm start\b/m);
    expect(withJobs!.code.trim()).toBe('npm start -- --jobs ./jobs');

    const port = await freePort();
    const first = await npmStart(dir, 'npm start', port);
    const token = TOKEN.exec(first.output())![0];
    first.child.kill('SIGINT');
    await new Promise((resolve) => first.child.once('exit', resolve));

    // The job type, saved as the README says; it is also the one `jobline init` writes.
    const saveAs = /Save this as `([^`]+)`:\n\n```ts\n([\s\S]*?)```/.exec(README)!;
    expect(saveAs[2]).toBe(STARTER_JOB);
    mkdirSync(join(dir, 'jobs'));
    writeFileSync(join(dir, saveAs[1]!), saveAs[2]!);
    await npmStart(dir, withJobs!.code, port);

    const ownProject = rest.filter((b) => b.code.includes('npx jobline init'));
    expect(ownProject).toHaveLength(1);
    const script = rest
      .filter((b) => !ownProject.includes(b))
      .map((b) => b.code)
      .join('\n')
      .replaceAll('jl_...', token)
      .replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`);
    const result = await runScript(script, dir, { JOBLINE_URL: `http://127.0.0.1:${port}` });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^output\s+\{"words":6,"distinct":4,"file":"counts.json"\}$/m); // jobs get
    expect(out).toContain('"be": 2'); // counts.json, written by the job type
    expect(out).toMatch(/event: job.succeeded/);
    expect(out).toMatch(/<status>pending<\/status>/);
    expect(out).toMatch(/"status": ?"cancelled"/);
    expect(spawnSync('gzip', ['-t', join(dir, 'jobs.jsonl.gz')]).status).toBe(0);
  });
});
