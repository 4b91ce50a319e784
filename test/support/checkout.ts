import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A copy of this checkout in `dir` (sources, build scripts, dist/, README; node_modules linked), for
 * tests that build, pack or write files where a user would, without touching the checkout other tests
 * read. Times are kept, so the copy's dist/ is as current as the checkout's.
 */
export function copyCheckout(dir: string): string {
  for (const path of [
    'src',
    'ui',
    'scripts',
    'dist',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
  ]) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** The environment of a command run as a user would: no Jobline settings, no npm script variables of `npm test`. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JOBLINE_LOG_LEVEL: 'warn', NO_COLOR: '1' };
  for (const key of Object.keys(env))
    if ((key.startsWith('JOBLINE_') && key !== 'JOBLINE_LOG_LEVEL') || key.startsWith('npm_')) delete env[key];
  delete env.PORT;
  return { ...env, ...extra };
}

/** The fenced code blocks of a Markdown text, with their language. */
export function codeBlocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}
