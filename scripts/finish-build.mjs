// The last step of `npm run build`. tsc writes dist/cli/main.js afresh without its execute bit, and npm
// (npx's cached link, a global install) runs the bin file itself, so the bit is set here after every build.
// The stamp written last tells scripts/build-if-stale.mjs that this build finished.
import { chmodSync, writeFileSync } from 'node:fs';

chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
writeFileSync(new URL('../dist/.built', import.meta.url), `${new Date().toISOString()}\n`);
