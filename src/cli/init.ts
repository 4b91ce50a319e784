import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  STARTER_GITIGNORE,
  STARTER_JOB,
  STARTER_TSCONFIG,
  starterPackage,
  starterReadme,
  type StarterVersions,
} from './starter-files.js';

interface OwnPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

/** The versions the starter depends on: this Jobline, and the TypeScript it is built and checked with. */
function starterVersions(own: OwnPackage, jobline: string | undefined): StarterVersions {
  return {
    jobline: jobline ?? `^${own.version}`,
    typescript: own.devDependencies?.typescript ?? '^5.9.3',
    typesNode: own.devDependencies?.['@types/node'] ?? '^20.19.0',
  };
}

/**
 * The starter's package.json. Written into an existing project (--force), it keeps that project's
 * fields and its own jobline dependency (installed from wherever it came from) and adds the starter's.
 */
function packageJson(dir: string, versions: StarterVersions): string {
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+/, '') || 'jobs';
  const starter = starterPackage(name, versions);
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return `${JSON.stringify(starter, null, 2)}\n`;
  const existing = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown> | undefined>;
  const merged: Record<string, unknown> = { ...starter, ...existing, type: 'module' };
  for (const key of ['scripts', 'dependencies', 'devDependencies', 'allowScripts'])
    merged[key] = { ...(starter[key] as object), ...existing[key] };
  return `${JSON.stringify(merged, null, 2)}\n`;
}

export function initCommand(program: Command, own: OwnPackage): void {
  program
    .command('init')
    .description('create a project with a TypeScript job type, ready for `npm install && npm start`')
    .argument('[dir]', 'where to create it', '.')
    .option('--force', 'write into a directory that is not empty (files of the same name are replaced)')
    .option('--jobline <spec>', 'what the project installs Jobline from: a version range, a tarball path or a git URL')
    .action((target: string, flags: { force?: boolean; jobline?: string }) => {
      const dir = resolve(target);
      if (existsSync(dir) && readdirSync(dir).length > 0 && flags.force !== true) {
        throw new Error(`${target} is not empty; choose an empty or new directory, or pass --force to write into it.`);
      }
      mkdirSync(join(dir, 'jobs'), { recursive: true });
      const files: [string, string][] = [
        ['package.json', packageJson(dir, starterVersions(own, flags.jobline))],
        ['tsconfig.json', STARTER_TSCONFIG],
        ['jobs/word-count.ts', STARTER_JOB],
        ['README.md', starterReadme(basename(dir))],
        ['.gitignore', STARTER_GITIGNORE],
      ];
      for (const [name, text] of files) writeFileSync(join(dir, name), text);
      const next = [...(dir === resolve('.') ? [] : [`cd ${target}`]), 'npm install', 'npm start'];
      console.log(
        `Created a Jobline project in ${dir}:\n${files.map(([name]) => `  ${name}`).join('\n')}\n\nNext:\n${next.map((c) => `  ${c}`).join('\n')}`,
      );
    });
}
