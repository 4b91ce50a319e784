import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, copyCheckout, ROOT, userEnv } from '../support/checkout.js';
import { eventually, freePort } from '../support/processes.js';

// The package as a user gets it: packed, installed into a new project outside the repository, used
// through its bin. The SQLite driver builds its binding in that project, which is most of this test's time.
const work = mkdtempSync(join(tmpdir(), 'jobline-package-'));
const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs = 120_000,
  extra: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(command, args, { cwd, env: userEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  return result.stdout;
}

describe('the packed package', () => {
  const servers: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) process.kill(-s.pid!, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'installs into a project of its own as the README says, type-checks it strictly and runs its TypeScript job type',
    { timeout: 900_000 },
    async () => {
      // The README's block, run as written in a copy of the checkout; its last line, `npm start`, is
      // started below on a free port. npm installs from its cache where it can (prefer-offline).
      const block = codeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).find(
        (b) => b.lang === 'sh' && b.code.includes('npx jobline init'),
      )!;
      const lines = block.code.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(/^npm start\b/);
      const clone = copyCheckout(join(work, 'jobline'));
      const setup = await run('bash', ['-euo', 'pipefail', '-c', lines.slice(0, -1).join('\n')], clone, 600_000, {
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      });
      expect(setup.code, `${setup.stdout}\n${setup.stderr}`).toBe(0);
      expect(setup.stderr).not.toContain('EBADENGINE');

      const listing = await ok('tar', ['-tvzf', join(clone, `jobline-${own.version}.tgz`)], work);
      expect(listing).toMatch(/^-rwxr-xr-x .* package\/dist\/cli\/main\.js$/m);
      for (const path of [
        'dist/index.d.ts',
        'dist/ui/app.js',
        'dist/store/migrations/sqlite/0001_initial.sql',
        'dist/store/migrations/postgres/0001_initial.sql',
      ])
        expect(listing).toContain(` package/${path}\n`);
      expect(listing).not.toMatch(/ package\/(src|test)\/|\.map$/m);

      const app = join(work, 'my-jobs');
      // Nothing but the public API is reachable.
      const deep = await run('node', ['--input-type=module', '-e', "await import('jobline/dist/server.js')"], app);
      expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');

      const port = await freePort();
      // In a process group of its own, so the server under npm goes with it.
      const server = spawn('npm', lines.at(-1)!.split('#')[0]!.trim().split(/\s+/).slice(1), {
        cwd: app,
        env: userEnv({ PORT: String(port) }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      servers.push(server);
      let out = '';
      server.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      server.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      expect(await eventually(() => Promise.resolve(out.includes('Jobline is serving')), 60_000), out).toBe(true);
      const remote = ['--url', `http://127.0.0.1:${port}`, '--token', TOKEN.exec(out)![0]];
      const created = JSON.parse(
        await ok(
          'npx',
          [
            'jobline',
            'jobs',
            'create',
            '--type',
            'word-count',
            '--input',
            '{"text": "to be or not to be"}',
            '--json',
            ...remote,
          ],
          app,
        ),
      ) as { id: string };
      const done = JSON.parse(await ok('npx', ['jobline', 'jobs', 'wait', created.id, '--json', ...remote], app)) as {
        status: string;
        output: unknown;
      };
      expect(done).toMatchObject({ status: 'succeeded', output: { words: 6, distinct: 4, file: 'counts.json' } });
      process.kill(-server.pid!, 'SIGTERM');
    },
  );

  it(
    'keeps its bin executable after every build (npx keeps linking to the rebuilt file)',
    { timeout: 300_000 },
    async () => {
      // A copy of the checkout, so building it leaves this checkout's dist/ to the other tests.
      const clone = copyCheckout(join(work, 'rebuilt'));
      await ok('npm', ['run', 'build'], clone, 180_000);
      expect((await ok('npx', ['jobline', '--version'], clone)).trim()).toBe(own.version);
      await ok('npm', ['run', 'build'], clone, 180_000);
      expect((await ok('npx', ['jobline', '--version'], clone)).trim()).toBe(own.version);
      // The first npx in a fresh npm cache runs the package's prepare, which leaves a current dist/ alone.
      const built = statSync(join(clone, 'dist/cli/main.js')).mtimeMs;
      const fresh = await run('npx', ['jobline', '--version'], clone, 120_000, {
        npm_config_cache: join(work, 'fresh-npm-cache'),
      });
      expect(fresh.stdout.trim(), fresh.stderr).toBe(own.version);
      expect(statSync(join(clone, 'dist/cli/main.js')).mtimeMs).toBe(built);
    },
  );
});
