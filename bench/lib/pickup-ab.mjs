// Pickup latency of Jobline builds side by side: the queue benchmark's latency measurement (one job at
// a time, insert call → handler start, a pause after each) run for each build in turn, several rounds,
// so builds measured on a drifting machine can be compared (every other round in the reverse order).
// Prints p50/p95 of the whole pickup and of the insert call alone.
//
//   node bench/lib/pickup-ab.mjs [--db pg|sqlite] [--rounds 3] [--samples 200] [--pause-ms 20] [--notify] [--phases] DIR…
// Each DIR is a build's output directory (a copy of dist/); none means dist/. --notify creates the jobs
// through a second set of services, so the worker hears of them only by LISTEN/NOTIFY. --phases times
// every database call (database-calls.mjs) and splits the pickup into JavaScript before the first
// call, the calls, and JavaScript after the last, with each call's p50 in the first round; the timing
// itself costs a little per call, so compare builds with or without it, not across. With --notify it
// also tells when the worker heard the NOTIFY that woke it, and how long it took from there to start.
import { parseArgs } from 'node:util';
import { jobline } from '../peers/jobline.mjs';
import { percentile } from './common.mjs';
import * as databaseCalls from './database-calls.mjs';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string', default: 'pg' },
    rounds: { type: 'string', default: '3' },
    samples: { type: 'string', default: '200' },
    'pause-ms': { type: 'string', default: '20' },
    notify: { type: 'boolean', default: false },
    phases: { type: 'boolean', default: false },
  },
});
if (a.phases) databaseCalls.install();
const builds = positionals.length > 0 ? positionals : [undefined];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(dist) {
  let waiting;
  const adapter = await jobline({
    dialect: a.db === 'sqlite' ? 'sqlite' : 'postgres',
    databaseUrl: process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    concurrency: 32,
    workerOptions: { prefetch: 500, batchSize: 250 },
    separateProducer: a.notify,
    dist,
    onJob: (data) => {
      const t = performance.now();
      if (waiting !== undefined && data?.i === waiting.i) waiting.resolve(t);
    },
  });
  try {
    await adapter.start();
    await sleep(200);
    const pickup = [];
    const insert = [];
    const phases = { before: [], calls: [], after: [], heard: [], started: [], each: new Map() };
    for (let k = -10; k < Number(a.samples); k++) {
      const started = new Promise((resolve) => (waiting = { i: k, resolve }));
      if (a.phases) databaseCalls.record();
      const t0 = performance.now();
      await adapter.insertOne({ i: k });
      const inserted = performance.now();
      const t1 = await started;
      const made = databaseCalls.recorded();
      const told = databaseCalls.notifications();
      if (k >= 0) {
        pickup.push(t1 - t0);
        insert.push(inserted - t0);
        if (a.phases) addPhases(phases, made, told, t0, t1);
      }
      await sleep(Number(a['pause-ms']));
    }
    return { pickup, insert, phases };
  } finally {
    await adapter.close();
  }
}

/**
 * Adds one pickup's phases: the calls started before the handler did, each cut off at its start; and
 * with --notify, when the first NOTIFY of the handoff or jobs channel was heard, and how long after it
 * the handler started.
 */
function addPhases(phases, calls, told, t0, t1) {
  const wake = told.find(([at, channel]) => at <= t1 && (channel === 'jobline_handoff' || channel === 'jobline_jobs'));
  if (wake !== undefined) {
    phases.heard.push(wake[0] - t0);
    phases.started.push(t1 - wake[0]);
  }
  const made = calls.filter(([start]) => start < t1).map(([s, e, label]) => [s, Math.min(e ?? t1, t1), label]);
  if (made.length === 0) return;
  phases.before.push(made[0][0] - t0);
  phases.calls.push(made.reduce((sum, [s, e]) => sum + (e - s), 0));
  phases.after.push(t1 - Math.max(...made.map(([, e]) => e)));
  for (const [s, e, label] of made) {
    const key = label.replace(/\s+/g, ' ').slice(0, 60);
    phases.each.set(key, [...(phases.each.get(key) ?? []), e - s]);
  }
}

for (let round = 1; round <= Number(a.rounds); round++) {
  // Every other round in the reverse order, so no build always runs first.
  for (const dist of round % 2 === 1 ? builds : [...builds].reverse()) {
    const { pickup, insert, phases } = await measure(dist);
    const f = (xs, p) => percentile(xs, p).toFixed(2);
    console.log(
      `round ${round} ${(dist ?? 'dist').padEnd(12)} pickup p50 ${f(pickup, 50)} ms, p95 ${f(pickup, 95)} ms; insert call p50 ${f(insert, 50)} ms, p95 ${f(insert, 95)} ms`,
    );
    if (!a.phases) continue;
    const g = (xs) => percentile(xs, 50).toFixed(3);
    console.log(
      `    p50 JavaScript before ${g(phases.before)} ms, database calls ${g(phases.calls)} ms, JavaScript after ${g(phases.after)} ms`,
    );
    if (phases.heard.length > 0)
      console.log(
        `    ${phases.heard.length}× NOTIFY heard p50 ${g(phases.heard)} ms after the call, handler started ${g(phases.started)} ms after that`,
      );
    if (round === 1)
      for (const [label, times] of phases.each) console.log(`    ${times.length}× ${g(times)} ms  ${label}`);
  }
}
