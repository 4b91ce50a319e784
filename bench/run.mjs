// Benchmark dispatcher: `npm run bench -- <name> [options]` (npm builds dist/ first), or
// `node bench/run.mjs <name> [options]` against an existing build. Each benchmark is bench/<name>.mjs
// exporting `description` and `run(args)`; add one by dropping a file here and listing it below.
const BENCHMARKS = {
  api: './api.mjs',
  queue: './queue.mjs',
  webhooks: './webhooks.mjs',
  sse: './sse.mjs',
  soak: './soak.mjs',
  'remote-workers': './remote-workers.mjs',
  flow: './flow.mjs',
};

const [name, ...args] = process.argv.slice(2);

function usage(stream) {
  stream.write('usage: npm run bench -- <benchmark> [options]\n\navailable benchmarks:\n');
  for (const [key, path] of Object.entries(BENCHMARKS)) stream.write(`  ${key.padEnd(10)} ${path}\n`);
  stream.write('\n`npm run bench -- <benchmark> --help` lists its options.\n');
}

if (name === undefined || name === '--help' || name === '-h') {
  usage(process.stdout);
  process.exit(name === undefined ? 1 : 0);
}
if (!Object.hasOwn(BENCHMARKS, name)) {
  process.stderr.write(`unknown benchmark ${JSON.stringify(name)}\n\n`);
  usage(process.stderr);
  process.exit(1);
}

const bench = await import(BENCHMARKS[name]);
try {
  await bench.run(args);
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
}
