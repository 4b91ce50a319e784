// Flow-control benchmark: no-op jobs of a type without limits beside the same number of a type with a
// global concurrency limit (default 10) whose jobs spread over many concurrency keys (default 1,000,
// each limited to one at a time), run by one Worker on PostgreSQL and on SQLite. It reports jobs per
// second of each, so the limited claim's cost shows beside the plain claim's. Runs against the build
// in dist/ (`npm run bench -- flow` builds first); prints its results and writes nothing.
//
//   npm run bench -- flow [--jobs 20000] [--keys 1000] [--limit 10] [--key-limit 1] [--concurrency 32]
//                         [--rounds 1] [--dialects postgres,sqlite]
//   JOBLINE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { scratchDatabase } from './lib/scratch-database.mjs';

export const description = 'no-op jobs with and without flow control (a global limit over many keys), per second';

const DIST = resolve(fileURLToPath(new URL('../dist', import.meta.url)));
const load = (path) => import(pathToFileURL(join(DIST, path)).href);

const OPTIONS = {
  jobs: { type: 'string', default: '20000' },
  keys: { type: 'string', default: '1000' },
  limit: { type: 'string', default: '10' },
  'key-limit': { type: 'string', default: '1' },
  concurrency: { type: 'string', default: '32' },
  rounds: { type: 'string', default: '1' },
  dialects: { type: 'string', default: 'postgres,sqlite' },
  help: { type: 'boolean', default: false },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One run: `jobs` jobs of `type` inserted, then run to the end by one worker; returns jobs per second. */
async function runOnce(dialect, o, type) {
  const [{ defineJob }, { Registry }, { Worker }, { createServices }, { createJobs }, { ensureWorkspace }] =
    await Promise.all(
      [
        'engine/define-job.js',
        'core/registry.js',
        'engine/worker.js',
        'create-services.js',
        'services/job-creation.js',
        'services/tokens.js',
      ].map(load),
    );
  const db = await scratchDatabase(dialect === 'postgres' ? o.databaseUrl : undefined, `flow_${type}`);
  let done = 0;
  const run = () => {
    done++;
    return null;
  };
  const definitions = [
    defineJob({ type: 'free', run }),
    defineJob({ type: 'limited', flow: { concurrency: o.limit, keyConcurrency: o.keyLimit }, run }),
  ];
  const services = await createServices({
    dataDir: db.dataDir,
    ...(db.databaseUrl !== undefined ? { databaseUrl: db.databaseUrl } : {}),
    registry: new Registry(definitions),
  });
  try {
    const workspaceId = await ensureWorkspace(services.store.db, 'bench', Date.now());
    const principal = { tokenId: 'bench', workspaceId, scopes: ['admin'] };
    for (let i = 0; i < o.jobs; i += 1000) {
      const inputs = [];
      for (let k = i; k < Math.min(i + 1000, o.jobs); k++)
        inputs.push(type === 'limited' ? { type, concurrencyKey: `key-${k % o.keys}` } : { type });
      await createJobs(services, principal, inputs);
    }
    const worker = new Worker(services, { concurrency: o.concurrency });
    const t0 = performance.now();
    worker.start();
    while (done < o.jobs) await sleep(5);
    const seconds = (performance.now() - t0) / 1000;
    await worker.stop(5000);
    return o.jobs / seconds;
  } finally {
    await services.store.close();
    await db.drop();
  }
}

export async function run(args) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    process.stdout.write(`${description}\n\noptions:\n`);
    for (const [name, opt] of Object.entries(OPTIONS)) process.stdout.write(`  --${name} (default ${opt.default})\n`);
    return;
  }
  const o = {
    jobs: Number(values.jobs),
    keys: Number(values.keys),
    limit: Number(values.limit),
    keyLimit: Number(values['key-limit']),
    concurrency: Number(values.concurrency),
    databaseUrl: process.env.JOBLINE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
  for (const dialect of values.dialects.split(',')) {
    for (let round = 1; round <= Number(values.rounds); round++) {
      const free = await runOnce(dialect, o, 'free');
      const limited = await runOnce(dialect, o, 'limited');
      process.stdout.write(
        `${dialect} round ${round}: no limits ${free.toFixed(0)} jobs/s; ` +
          `concurrency ${o.limit}, ${o.keys} keys at ${o.keyLimit} each: ${limited.toFixed(0)} jobs/s\n`,
      );
    }
  }
}
