// Builds dist/ only when a source file changed since the last finished build (or there is none), so
// `npm start` and `prepare` (run for git-URL installs and by npx inside a clone) do not rebuild, and
// remove, the dist/ a running server is reading.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const root = new URL('../', import.meta.url);
const INPUTS = ['src', 'ui', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(`${path}/${entry}`));
  return latest;
}

export function isStale() {
  const stamp = new URL('dist/.built', root);
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.map((p) => new URL(p, root).pathname).some((p) => existsSync(p) && newest(p) > built);
}

export function buildIfStale() {
  if (!isStale()) return;
  const npm = process.env.npm_execpath;
  // Inside an npm script npm_execpath is npm's own CLI; run it with this node, as npm itself does.
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildIfStale();
