import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves the current build without rebuilding it, and stops the server when npm receives %s',
    { timeout: 180_000 },
    async (signal) => {
      expect(spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'inherit' }).status).toBe(
        0,
      );
      const built = statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs;
      const data = mkdtempSync(join(tmpdir(), 'jobline-npm-start-'));
      dirs.push(data);
      const port = await freePort();
      const env: NodeJS.ProcessEnv = { ...process.env, JOBLINE_LOG_LEVEL: 'warn' };
      for (const key of Object.keys(env))
        if (key.startsWith('JOBLINE_') && key !== 'JOBLINE_LOG_LEVEL') delete env[key];
      const npm = spawn('npm', ['start', '--silent', '--', '--port', String(port), '--data', data], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      npm.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
      try {
        expect(await eventually(() => Promise.resolve(out.includes('Jobline is serving')), 100_000), out).toBe(true);
        expect(await listening(port)).toBe(true);
        expect(statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs).toBe(built);
        npm.kill(signal);
        await exited;
        // The server closes once npm is gone; nothing may keep the port after it.
        expect(await eventually(async () => !(await listening(port)), 10_000), `port ${port} still open:\n${out}`).toBe(
          true,
        );
      } finally {
        npm.kill('SIGKILL');
      }
    },
  );
});
