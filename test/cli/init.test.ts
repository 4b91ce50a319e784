import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../support/processes.js';

const root = mkdtempSync(join(tmpdir(), 'jobline-init-'));

describe('jobline init', { timeout: 60_000 }, () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates a project with a TypeScript job type in a new directory', async () => {
    const dir = join(root, 'fresh');
    expect(await cliOk(['init', dir, '--jobline', 'file:../jobline.tgz'])).toContain('npm install');
    for (const file of ['package.json', 'tsconfig.json', 'jobs/word-count.ts', 'README.md', '.gitignore'])
      expect(existsSync(join(dir, file)), file).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg).toMatchObject({
      name: 'fresh',
      type: 'module',
      dependencies: { jobline: 'file:../jobline.tgz' },
      scripts: { start: 'jobline serve --jobs ./jobs' },
    });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('npx jobline jobs create --type word-count');
  });

  it('refuses a directory that is not empty, and writes into it with --force, keeping its package.json', async () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'mine', dependencies: { jobline: 'file:jobline.tgz', left: '^1.0.0' } }),
    );
    const refused = await runCli(['init', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${dir} is not empty; choose an empty or new directory, or pass --force to write into it.`,
    );
    expect(existsSync(join(dir, 'jobs'))).toBe(false);

    await cliOk(['init', dir, '--force']);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg).toMatchObject({
      name: 'mine',
      type: 'module',
      dependencies: { jobline: 'file:jobline.tgz', left: '^1.0.0' },
    });
    expect(pkg.devDependencies).toHaveProperty('typescript');
    expect(existsSync(join(dir, 'jobs/word-count.ts'))).toBe(true);
  });
});
