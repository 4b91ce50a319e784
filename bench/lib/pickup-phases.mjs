// Where an in-process pickup's time goes, for Jobline builds side by side: the pickup latency
// measurement (one job at a time, insert call → handler start, a pause after each), with every
// database call made during the pickup timed from this process: on PostgreSQL each pg client query
// (sent → answered), on SQLite each better-sqlite3 statement. Prints, per build and round, the p50 of
// the whole pickup, of the JavaScript before the first call, of the calls, and of the JavaScript after
// the last; and in the first round each call's p50.
//
//   node bench/lib/pickup-phases.mjs [--db pg|sqlite] [--rounds 3] [--samples 300] [--pause-ms 5] DIR…
// Each DIR is a build's output directory (a copy of dist/); none means dist/. Builds alternate within a
// round, every other round in the reverse order.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { jobline } from '../peers/jobline.mjs';
import { percentile } from './common.mjs';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string', default: 'pg' },
    rounds: { type: 'string', default: '3' },
    samples: { type: 'string', default: '300' },
    'pause-ms': { type: 'string', default: '5' },
  },
});
const builds = positionals.length > 0 ? positionals : [undefined];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The calls of the pickup being measured: [start, end, label]; undefined between pickups. */
let calls;
const record = (label) => {
  const call = [performance.now(), undefined, label];
  calls?.push(call);
  return () => (call[1] ??= performance.now());
};

// pg: a query ends when its callback or its promise settles, whichever the caller used.
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  if (calls === undefined) return query.call(this, config, values, callback);
  const done = record(typeof config === 'string' ? config : (config?.name ?? config?.text ?? ''));
  const wrap =
    (f) =>
    (...args) => (done(), f(...args));
  if (typeof values === 'function') values = wrap(values);
  else if (typeof callback === 'function') callback = wrap(callback);
  else if (typeof config?.callback === 'function') config.callback = wrap(config.callback);
  const result = query.call(this, config, values, callback);
  if (typeof result?.then === 'function') result.then(done, done);
  return result;
};

// better-sqlite3: statements run synchronously.
const Database = createRequire(import.meta.url)('better-sqlite3');
const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = statement[method];
  statement[method] = function (...args) {
    const done = calls === undefined ? undefined : record(`${method} ${this.source}`);
    try {
      return original.apply(this, args);
    } finally {
      done?.();
    }
  };
}

const short = (label) => label.replace(/\s+/g, ' ').slice(0, 60);

async function measure(dist) {
  let waiting;
  const adapter = await jobline({
    dialect: a.db === 'sqlite' ? 'sqlite' : 'postgres',
    databaseUrl: process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    concurrency: 32,
    workerOptions: { prefetch: 500, batchSize: 250 },
    dist,
    onJob: (data) => {
      if (waiting !== undefined && data?.i === waiting.i) waiting.resolve(performance.now());
    },
  });
  const phases = { pickup: [], before: [], calls: [], after: [] };
  const each = new Map();
  try {
    await adapter.start();
    await sleep(200);
    for (let k = -20; k < Number(a.samples); k++) {
      const started = new Promise((resolve) => (waiting = { i: k, resolve }));
      calls = [];
      const t0 = performance.now();
      await adapter.insertOne({ i: k });
      const t1 = await started;
      const made = calls.filter(([start]) => start < t1).map(([s, e, l]) => [s, Math.min(e ?? t1, t1), l]);
      calls = undefined;
      if (k >= 0 && made.length > 0) {
        phases.pickup.push(t1 - t0);
        phases.before.push(made[0][0] - t0);
        phases.calls.push(made.reduce((sum, [s, e]) => sum + (e - s), 0));
        phases.after.push(t1 - Math.max(...made.map(([, e]) => e)));
        for (const [s, e, l] of made) each.set(short(l), [...(each.get(short(l)) ?? []), e - s]);
      }
      await sleep(Number(a['pause-ms']));
    }
  } finally {
    await adapter.close();
  }
  return { phases, each };
}

for (let round = 1; round <= Number(a.rounds); round++) {
  for (const dist of round % 2 === 1 ? builds : [...builds].reverse()) {
    const { phases, each } = await measure(dist);
    const f = (xs) => percentile(xs, 50).toFixed(3);
    console.log(
      `round ${round} ${(dist ?? 'dist').padEnd(24)} pickup p50 ${f(phases.pickup)} ms: JavaScript before ${f(phases.before)}, database calls ${f(phases.calls)}, JavaScript after ${f(phases.after)}`,
    );
    if (round === 1) for (const [label, times] of each) console.log(`    ${times.length}× ${f(times)} ms  ${label}`);
  }
}
