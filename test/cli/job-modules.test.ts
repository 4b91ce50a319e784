import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliOk, freePort, killAllServers, runCli, startServe } from '../support/processes.js';

// Modules outside the repository, as a user's are; they import the package's API from the sources.
const API = pathToFileURL(new URL('../../src/index.ts', import.meta.url).pathname).href;
const TOKEN = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const root = mkdtempSync(join(tmpdir(), 'jobline-job-modules-'));

function write(relative: string, text: string): string {
  const path = join(root, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function job(type: string): string {
  return `import { defineJob } from '${API}';\nexport const job = defineJob({ type: '${type}', async run() { return { ok: true }; } });\n`;
}

/** Starts `serve` (or `worker`) with these --jobs and expects it to stop at once with an error. */
async function refused(command: 'serve' | 'worker', jobs: string[]): Promise<string> {
  const args = command === 'serve' ? ['--port', String(await freePort())] : [];
  const result = await runCli([command, ...args, '--data', mkdtempSync(join(root, 'data-')), '--jobs', ...jobs]);
  expect(result.code).not.toBe(0);
  expect(result.stdout).not.toContain('Jobline is serving');
  return result.stderr;
}

describe('--jobs', { timeout: 120_000 }, () => {
  afterAll(async () => {
    await killAllServers();
    rmSync(root, { recursive: true, force: true });
  });

  it('loads every TypeScript and JavaScript module of a directory, and runs their job types', async () => {
    const dir = join(root, 'jobs');
    write(
      'jobs/greet.ts',
      `import { defineJob, Type } from '${API}';
interface Greeting { text: string }
export const greet = defineJob({
  type: 'greet',
  input: Type.Object({ name: Type.String() }),
  async run(ctx): Promise<Greeting> {
    await ctx.progress(50, 'greeting');
    return { text: \`Hello, \${ctx.input.name}\` };
  },
});
`,
    );
    write('jobs/shout.js', job('shout'));
    write('jobs/notes.md', 'not a module');
    write('jobs/types.d.ts', 'export type Nothing = never;\n');
    const server = await startServe(['--data', mkdtempSync(join(root, 'data-')), '--jobs', dir]);
    const token = TOKEN.exec(server.output())![0];
    const cli = (args: string[]) => cliOk(['jobs', ...args, '--url', server.url, '--token', token]);
    const greet = JSON.parse(await cli(['create', '--type', 'greet', '--input', '{"name":"Ada"}', '--json'])) as {
      id: string;
    };
    const shout = JSON.parse(await cli(['create', '--type', 'shout', '--json'])) as { id: string };
    await cli(['wait', greet.id]);
    await cli(['wait', shout.id]);
    expect(JSON.parse(await cli(['get', greet.id, '--json']))).toMatchObject({
      status: 'succeeded',
      output: { text: 'Hello, Ada' },
    });
    expect(JSON.parse(await cli(['get', shout.id, '--json']))).toMatchObject({
      status: 'succeeded',
      output: { ok: true },
    });
  });

  it('stops the start naming a module with a syntax error', async () => {
    const broken = write(
      'broken/resize.ts',
      `import { defineJob } from '${API}';\nexport const resize = defineJob({ type: 'resize', run( {\n`,
    );
    const stderr = await refused('serve', [broken]);
    expect(stderr).toContain(`Job module ${broken} failed to load`);
  });

  it('stops the start naming a module that defines no job type', async () => {
    const empty = write('empty/helpers.ts', 'export const answer: number = 42;\n');
    expect(await refused('serve', [empty])).toContain(
      `Job module ${empty} exports no job definitions; export the results of defineJob(...).`,
    );
    expect(await refused('worker', [join(root, 'empty')])).toContain(`Job module ${empty} exports no job definitions`);
  });

  it('refuses two modules defining the same type, naming both', async () => {
    const one = write('twice/one.ts', job('same'));
    const two = write('twice/two.js', job('same'));
    expect(await refused('serve', [join(root, 'twice')])).toContain(
      `Job type same is defined twice: in ${one} and in ${two}.`,
    );
  });

  it('stops the start naming a path that does not exist', async () => {
    expect(await refused('serve', ['./no/such/jobs.ts'])).toContain('Job module ./no/such/jobs.ts does not exist.');
    expect(await refused('worker', ['./no/such/dir'])).toContain('Job module ./no/such/dir does not exist.');
  });
});
