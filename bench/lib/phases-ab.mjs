// Variants of the queue benchmark's two phases side by side: runs bench/lib/queue-phases.mjs for each
// variant in turn, several rounds, so variants measured on a drifting machine can be compared (on the
// small shared machines this project is measured on, jobs/s drift within minutes; alternate, and
// read WAL bytes per job, which do not drift). A variant is a build, a schema change, or both:
//
//   node bench/lib/phases-ab.mjs [--db pg|sqlite] [--rounds 3] [--jobs 30000] [--prefetch 500] [--claim-batch 250]
//                                --variant 'base' --variant 'no-global=DROP INDEX job_events_global' --variant 'new@.dist-new' …
// `label[@dist][=sql]`: the build's output directory (default dist/) and statements run after the
// migrations (queue-phases' --sql). queue-phases starts each PostgreSQL run with a CHECKPOINT. On
// PostgreSQL, "own" figures are those of the run's connections and transactions alone (queue-phases
// --wal, which needs pg_walinspect), steadier than the whole server's when others use it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './common.mjs';

const { values: a } = parseArgs({
  options: {
    db: { type: 'string', default: 'pg' },
    rounds: { type: 'string', default: '3' },
    jobs: { type: 'string', default: '30000' },
    prefetch: { type: 'string', default: '500' },
    'claim-batch': { type: 'string', default: '250' },
    variant: { type: 'string', multiple: true, default: ['base'] },
  },
});
const PHASES = fileURLToPath(new URL('./queue-phases.mjs', import.meta.url));

/** `label[@dist][=sql]` → its parts. */
function parseVariant(text) {
  const m = /^([^@=]+)(?:@([^=]+))?(?:=([\s\S]*))?$/.exec(text);
  if (m === null) throw new Error(`not a variant: ${text}`);
  return { label: m[1], dist: m[2] ?? 'dist', sql: m[3] ?? '' };
}

/** One line of queue-phases' output: "insert : N jobs/s, Node.js N µs/job, PostgreSQL N µs/job, WAL N bytes/job". */
function parsePhase(output, phase) {
  const line = output.split('\n').find((l) => l.startsWith(phase));
  if (line === undefined) throw new Error(`queue-phases printed no ${phase} line:\n${output}`);
  const number = (pattern) => Number(pattern.exec(line)?.[1] ?? NaN);
  return {
    jobsPerSecond: number(/(\d+) jobs\/s/),
    nodeUs: number(/Node\.js ([\d.]+)/),
    postgresUs: number(/PostgreSQL (\d+)/),
    wal: number(/WAL (\d+)/),
  };
}

const variants = a.variant.map(parseVariant);
const results = new Map(variants.map((v) => [v.label, []]));
/** queue-phases' figures for this run's own PostgreSQL backends and its own WAL records, when it printed them. */
function parseOwn(output, phase) {
  const line = output.split('\n').find((l) => l.startsWith(`own ${phase.trim()}:`)) ?? '';
  return {
    postgresUs: Number(/PostgreSQL (\d+)/.exec(line)?.[1] ?? NaN),
    wal: Number(/WAL (\d+)/.exec(line)?.[1] ?? NaN),
  };
}
for (let round = 1; round <= Number(a.rounds); round++) {
  for (const v of variants) {
    const args = [
      PHASES,
      '--dist',
      v.dist,
      '--db',
      a.db,
      '--jobs',
      a.jobs,
      '--prefetch',
      a.prefetch,
      '--claim-batch',
      a['claim-batch'],
    ];
    if (v.sql !== '') args.push(`--sql=${v.sql}`);
    if (a.db === 'pg') args.push('--wal');
    const output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const run = { insert: parsePhase(output, 'insert'), process: parsePhase(output, 'process') };
    for (const phase of ['insert', 'process']) {
      const own = parseOwn(output, phase);
      run[phase].ownUs = own.postgresUs;
      run[phase].ownWal = own.wal;
    }
    results.get(v.label).push(run);
    const show = (p) =>
      `${p.jobsPerSecond} jobs/s (PostgreSQL ${p.postgresUs} µs, own ${p.ownUs} µs, Node.js ${p.nodeUs} µs${Number.isNaN(p.wal) ? '' : `, WAL ${p.wal} B, own ${p.ownWal} B`})`;
    console.log(`round ${round} ${v.label.padEnd(14)} insert ${show(run.insert)}; process ${show(run.process)}`);
  }
}
console.log('\nmedians:');
for (const [label, runs] of results) {
  const show = (phase) => {
    const m = (key) => Number(median(runs.map((r) => r[phase][key])).toFixed(2));
    const wal = Number.isNaN(m('wal')) ? '' : `, WAL ${m('wal')} B, own ${m('ownWal')} B`;
    return `${m('jobsPerSecond')} jobs/s (PostgreSQL ${m('postgresUs')} µs, own ${m('ownUs')} µs, Node.js ${m('nodeUs')} µs${wal})`;
  };
  console.log(`${label.padEnd(14)} insert ${show('insert')}; process ${show('process')}`);
}
