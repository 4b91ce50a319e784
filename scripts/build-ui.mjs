// Bundles the dashboard (ui/src, plain TypeScript modules) into dist/ui with its page and stylesheet.
// Part of `npm run build`, so the package ships the built files and users run no extra step.
// Each file is written beside its place and renamed into it, so a server reading dist/ui while this
// runs (tests build it too) sees the old file or the new one, never half of one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const out = new URL('dist/ui/', root);
mkdirSync(out, { recursive: true });

function put(name, contents) {
  const target = new URL(name, out);
  const temporary = new URL(`${name}.${process.pid}.tmp`, out);
  writeFileSync(temporary, contents);
  renameSync(temporary, target);
}

const result = await build({
  entryPoints: [new URL('ui/src/main.ts', root).pathname],
  outfile: new URL('app.js', out).pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) put('app.js', file.contents);
for (const file of ['index.html', 'app.css', 'favicon.svg']) put(file, readFileSync(new URL(`ui/${file}`, root)));
