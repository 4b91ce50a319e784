import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/processes.js';

// The package as a user gets it: packed, installed into a new project outside the repository, used
// through its bin. npm installs from its cache where it can (--prefer-offline); the SQLite driver
// builds its binding there, which is most of this test's time.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'jobline-package-'));
const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The test runner's environment without Jobline settings or the npm script variables of `npm test`. */
function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, JOBLINE_LOG_LEVEL: 'warn', NO_COLOR: '1' };
  for (const key of Object.keys(clean)) if ((key.startsWith('JOBLINE_') && key !== 'JOBLINE_LOG_LEVEL') || key.startsWith('npm_')) delete clean[key];
  delete clean.PORT;
  return clean;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  const child = spawn(command, args, { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command expecting exit code 0; returns its standard output. */
async function ok(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<string> {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

describe('the packed package', () => {
  const servers: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('installs into a new project, type-checks its starter strictly and runs its TypeScript job type', { timeout: 900_000 }, async () => {
    const pack = await run('npm', ['pack', '--json', '--pack-destination', work], ROOT, 300_000);
    expect(pack.code, pack.stderr).toBe(0);
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string; mode: number }[];
    }[];
    const files = packed[0]!.files;
    expect(files.find((f) => f.path === 'dist/cli/main.js')?.mode).toBe(0o755);
    for (const path of ['dist/index.d.ts', 'dist/ui/app.js', 'dist/store/migrations/sqlite/0001_initial.sql', 'dist/store/migrations/postgres/0001_initial.sql']) expect(files.map((f) => f.path)).toContain(path);
    expect(files.filter((f) => f.path.startsWith('src/') || f.path.startsWith('test/') || f.path.endsWith('.map'))).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], app, 600_000);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).not.toContain('EBADENGINE');

    expect(await ok('npx', ['jobline', 'init', '.', '--force'], app)).toContain('jobs/word-count.ts');
    await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app, 300_000);
    // The starter's tsconfig is strict and checks the package's declarations too (skipLibCheck off).
    await ok('npx', ['tsc', '--noEmit'], app);
    // Nothing but the public API is reachable.
    const deep = await run('node', ['--input-type=module', '-e', "await import('jobline/dist/server.js')"], app);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');

    const port = await freePort();
    const server = spawn('npx', ['jobline', 'serve', '--port', String(port), '--data', './data', '--jobs', './jobs'], { cwd: app, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(server);
    let out = '';
    server.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    server.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    expect(await eventually(() => Promise.resolve(out.includes('Jobline is serving')), 60_000), out).toBe(true);
    const remote = ['--url', `http://127.0.0.1:${port}`, '--token', TOKEN.exec(out)![0]];
    const created = JSON.parse(await ok('npx', ['jobline', 'jobs', 'create', '--type', 'word-count', '--input', '{"text": "to be or not to be"}', '--json', ...remote], app)) as { id: string };
    const done = JSON.parse(await ok('npx', ['jobline', 'jobs', 'wait', created.id, '--json', ...remote], app)) as { status: string; output: unknown };
    expect(done).toMatchObject({ status: 'succeeded', output: { words: 6, distinct: 4, file: 'counts.json' } });
    server.kill('SIGTERM');
  });

  it('keeps its bin executable after every build (npx keeps linking to the rebuilt file)', { timeout: 300_000 }, async () => {
    // A copy of the sources, so building it leaves this checkout's dist/ to the other tests.
    const clone = join(work, 'clone');
    for (const path of ['src', 'ui', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, path), join(clone, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    await ok('npm', ['run', 'build'], clone, 180_000);
    expect((await ok('npx', ['jobline', '--version'], clone)).trim()).toBe(own.version);
    await ok('npm', ['run', 'build'], clone, 180_000);
    expect((await ok('npx', ['jobline', '--version'], clone)).trim()).toBe(own.version);
  });
});
