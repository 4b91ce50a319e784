// Remote-workers throughput of Jobline builds side by side: the remote-workers benchmark's HTTP run
// (bench/remote-workers.mjs: a server process, HTTP worker processes, no-op jobs) for each build in
// turn, several rounds, so builds measured on a drifting machine can be compared. Prints, per build,
// jobs/s and the CPU per job of the server process and of the worker processes, with their medians.
//
//   node bench/lib/remote-workers-ab.mjs [--db sqlite|postgres] [--rounds 3] [--jobs 10000]
//                                        [--workers 4] [--concurrency 32] [--prefetch 100] [--profile DIR] DIR…
// Each DIR is a checkout or copy holding a build's dist/ and its bench/lib/ (whose child processes
// run that dist/); none means this checkout.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runOnce } from '../remote-workers.mjs';
import { median } from './common.mjs';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
    prefetch: { type: 'string', default: '100' },
    /** Directory for a V8 CPU profile of every child process (bench/lib/profile-summary.mjs reads them). */
    profile: { type: 'string' },
  },
});
const roots = positionals.length > 0 ? positionals : [fileURLToPath(new URL('../..', import.meta.url))];
const o = {
  jobs: Number(a.jobs),
  batch: 1000,
  samples: 5,
  warmup: 2,
  pauseMs: 20,
  workers: Number(a.workers),
  concurrency: Number(a.concurrency),
  prefetch: Number(a.prefetch),
  profile: a.profile,
  databaseUrl: process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
};
const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const results = roots.map(() => []);
for (let round = 1; round <= Number(a.rounds); round++) {
  // Alternate the order, so a drift in the machine's load does not favour one build.
  const order = roots.map((_, i) => i);
  if (round % 2 === 0) order.reverse();
  for (const i of order) {
    const r = await runOnce(a.db, 'http', { ...o, root: roots[i] });
    const x = {
      rate: o.jobs / (r.processMs / 1000),
      server: (r.serverCpu * 1e6) / o.jobs,
      workers: ((r.nodeCpu - r.serverCpu) * 1e6) / o.jobs,
    };
    results[i].push(x);
    console.log(
      `round ${round} ${roots[i]}: ${fmt(x.rate)} jobs/s, server ${fmt(x.server)} µs/job, workers ${fmt(x.workers)} µs/job`,
    );
  }
}
for (const [i, root] of roots.entries()) {
  const m = (k) => fmt(median(results[i].map((x) => x[k])));
  console.log(`median ${root}: ${m('rate')} jobs/s, server ${m('server')} µs/job, workers ${m('workers')} µs/job`);
}
