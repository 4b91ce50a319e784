import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A supervisor (systemd with KillMode=process, docker stop, a CI runner) signals the process it started:
// with `npm start` that is npm. npm forwards the signal to the shell running the script; dash does not
// pass it on to a child it waits for and dies, so the server lives on, orphaned, unless the script's
// last command replaces the shell (`… && exec node dist/cli/main.js serve`).
describe('npm start', { timeout: 240_000 }, () => {
  // Fails until package.json's start script ends in `exec node dist/cli/main.js serve`: drop `.fails` then.
  it.fails('stops the server when npm itself is sent SIGTERM', async () => {
    const data = mkdtempSync(join(tmpdir(), 'jobline-npm-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), JOBLINE_DATA_DIR: data, JOBLINE_LOG_LEVEL: 'info' };
    for (const key of Object.keys(env)) if (key.startsWith('JOBLINE_') && !['JOBLINE_DATA_DIR', 'JOBLINE_LOG_LEVEL'].includes(key)) delete env[key];
    const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    npm.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const npmExited = new Promise((resolve) => npm.once('exit', resolve));
    let server: number | undefined;
    try {
      expect(await eventually(async () => /Jobline is serving/.test(out) && /"pid":(\d+)/.test(out), 180_000, 500), out).toBe(true);
      server = Number(/"pid":(\d+)/.exec(out)![1]);
      npm.kill('SIGTERM');
      await npmExited;
      expect(await eventually(async () => !alive(server!), 15_000, 250)).toBe(true);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      if (server !== undefined && alive(server)) process.kill(server, 'SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });
});
