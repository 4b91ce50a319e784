// Bundles the dashboard (ui/src, plain TypeScript modules) into dist/ui with its page and stylesheet.
// Part of `npm run build`, so the package ships the built files and users run no extra step.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const out = new URL('dist/ui/', root);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('ui/src/main.ts', root).pathname],
  outfile: new URL('app.js', out).pathname,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css', 'favicon.svg']) copyFileSync(new URL(`ui/${file}`, root), new URL(file, out));
