// `npm start`: builds dist/ if a source changed, then runs `jobline serve` in this very process.
// npm passes SIGINT/SIGTERM to the process it started the script in; the script `exec`s this one in
// place of the shell, since a shell such as dash neither passes the signal on nor (for SIGINT) stops.
// Should npm itself die, the server stops too, as on SIGTERM, once its parent is gone.
import { pathToFileURL } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';

buildIfStale();
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
}, 250).unref();
const main = new URL('../dist/cli/main.js', import.meta.url);
process.argv = [process.argv[0], main.pathname, 'serve', ...process.argv.slice(2)];
await import(pathToFileURL(main.pathname).href);
