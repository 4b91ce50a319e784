// Queue benchmark: 100,000 no-op jobs end to end (inserted in batches of 1,000, then run with
// concurrency 32 until all are done) on Jobline over PostgreSQL and SQLite, graphile-worker,
// pg-boss and BullMQ; then pickup latency (insert → handler start) on an idle system. Every run is
// a child process of its own, in a PostgreSQL schema (or SQLite directory, or Redis prefix) of its
// own that is dropped afterwards. Runs against the build in dist/ (`npm run bench -- queue` builds
// first) and writes its section of docs/benchmarks.md.
//
//   npm run bench -- queue [--rounds 3] [--jobs 100000] [--batch 1000] [--concurrency 32]
//                          [--samples 200] [--systems jobline-pg,jobline-sqlite,...] [--no-write]
//                          [--baseline DIR]  (also measures DIR/dist, another checkout's build, beside this one)
//   JOBLINE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
//   JOBLINE_BENCH_REDIS_URL    (default redis://127.0.0.1:6379)
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine, median, percentile, writeSection } from './lib/common.mjs';

export const description =
  '100k no-op jobs end to end and pickup latency: Jobline (PostgreSQL, SQLite) vs graphile-worker, pg-boss, BullMQ';

const SELF = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

const OPTIONS = {
  rounds: { type: 'string', default: '3' },
  jobs: { type: 'string', default: '100000' },
  batch: { type: 'string', default: '1000' },
  concurrency: { type: 'string', default: '32' },
  samples: { type: 'string', default: '200' },
  warmup: { type: 'string', default: '10' },
  'pause-ms': { type: 'string', default: '20' },
  /** Jobs a Jobline worker claims ahead of free slots (its local queue, as graphile-worker's localQueue). */
  prefetch: { type: 'string', default: '500' },
  /** Jobs per Jobline claim (the Worker's batchSize). */
  'claim-batch': { type: 'string', default: '250' },
  /** Jobs per pg-boss fetch (pg-boss 10 has no other way to go fast; see bench/peers/pgboss.mjs). */
  'pgboss-batch': { type: 'string', default: '100' },
  systems: { type: 'string' },
  /**
   * Another checkout (built) whose dist/ runs as Jobline's baseline: each Jobline system then also runs
   * from that build, right after this build's run of it in every round.
   */
  baseline: { type: 'string' },
  'latency-systems': { type: 'string' },
  'no-latency': { type: 'boolean', default: false },
  'no-throughput': { type: 'boolean', default: false },
  'no-write': { type: 'boolean', default: false },
  /** Also save the raw results as JSON here; `--render FILE` writes the docs section from such a file. */
  json: { type: 'string' },
  render: { type: 'string' },
  /** Directory for a V8 CPU profile of every child process (node --cpu-prof). */
  profile: { type: 'string' },
  /** Internal: run one measurement in this process and report it to the parent. */
  child: { type: 'string' },
  help: { type: 'boolean', default: false },
};

const SYSTEMS = {
  'jobline-pg': { label: 'Jobline on PostgreSQL', store: 'postgres' },
  'jobline-sqlite': { label: 'Jobline on SQLite', store: 'sqlite' },
  'graphile-worker': { label: 'graphile-worker (batched)', store: 'postgres' },
  'pg-boss': { label: 'pg-boss', store: 'postgres' },
  bullmq: { label: 'BullMQ', store: 'redis' },
};
/** Latency only: the job is created through a second set of services, so the worker hears of it by NOTIFY. */
const LATENCY_ONLY = {
  'jobline-pg-notify': {
    label: 'Jobline on PostgreSQL, producer on other connections (LISTEN/NOTIFY)',
    store: 'postgres',
  },
  'notify-floor': {
    label: 'Floor: a one-row INSERT … pg_notify, heard by LISTEN on another connection',
    store: 'postgres',
  },
};
const THROUGHPUT_ORDER = ['jobline-pg', 'graphile-worker', 'pg-boss', 'bullmq', 'jobline-sqlite'];
const LATENCY_ORDER = [
  'jobline-pg',
  'jobline-pg-notify',
  'notify-floor',
  'jobline-sqlite',
  'graphile-worker',
  'bullmq',
  'pg-boss',
];

// With --baseline, every Jobline system has a twin run from the baseline build.
const BASELINE = '-baseline';
for (const table of [SYSTEMS, LATENCY_ONLY]) {
  for (const [name, system] of Object.entries(table)) {
    if (name.startsWith('jobline')) table[name + BASELINE] = { ...system, label: `${system.label}, baseline build` };
  }
}
/** The list with each Jobline system followed by its baseline twin. */
const withBaselines = (list) =>
  list.flatMap((s) => (s.startsWith('jobline') && !s.endsWith(BASELINE) ? [s, s + BASELINE] : [s]));
/**
 * The order of a round's runs: every other round runs each baseline twin before its build, so neither
 * always runs first after the previous system (whose writes the disk may still be flushing).
 */
const inTurn = (list, round) =>
  round % 2 === 1
    ? list
    : list.map((s, i) => (list[i + 1] === s + BASELINE ? list[i + 1] : list[i - 1] + BASELINE === s ? list[i - 1] : s));

// The issue's goals and its reference figures for the peers on such a machine.
const GOALS = { sqliteJobsPerSecond: 20_000, pickupP50Postgres: 2, pickupP50Sqlite: 1 };
const REFERENCE = { bullmq: 11_000, 'graphile-worker': 15_000, 'pg-boss': 8_500 };
/** How far ahead of a peer Jobline on PostgreSQL is meant to be, where an issue set more than ahead. */
const AHEAD = { 'graphile-worker': 1.3 };

/** The commit a checkout is at, for the record. */
function gitDescribe(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  } catch {
    return dir;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Child: one measurement of one system.

async function makeAdapter(system, o) {
  if (system.endsWith(BASELINE)) {
    if (o.baseline === undefined) throw new Error(`${system} needs --baseline`);
    return makeAdapter(system.slice(0, -BASELINE.length), { ...o, dist: join(o.baseline, 'dist') });
  }
  switch (system) {
    case 'jobline-pg':
    case 'jobline-pg-notify':
    case 'jobline-sqlite': {
      const { jobline } = await import('./peers/jobline.mjs');
      return jobline({
        ...o,
        dialect: system === 'jobline-sqlite' ? 'sqlite' : 'postgres',
        separateProducer: system === 'jobline-pg-notify',
        ...(o.dist !== undefined ? { dist: o.dist } : {}),
        workerOptions: { prefetch: o.prefetch, batchSize: o.claimBatch },
      });
    }
    case 'graphile-worker': {
      const { graphile } = await import('./peers/graphile.mjs');
      return graphile(o);
    }
    case 'notify-floor': {
      const { notifyFloor } = await import('./peers/notify-floor.mjs');
      return notifyFloor(o);
    }
    case 'pg-boss': {
      const { pgboss } = await import('./peers/pgboss.mjs');
      return pgboss(o);
    }
    case 'bullmq': {
      const { bullmq } = await import('./peers/bullmq.mjs');
      return bullmq(o);
    }
    default:
      throw new Error(`unknown system ${system}`);
  }
}

/** CPU seconds used so far by every process with this command name (the database server's backends). */
function processCpuSeconds(names) {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (!names.some((n) => comm.startsWith(n))) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

const serverNames = (store) => (store === 'redis' ? ['redis-server'] : store === 'postgres' ? ['postgres'] : []);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function throughputChild(system, o) {
  const store = (SYSTEMS[system] ?? LATENCY_ONLY[system]).store;
  let handled = 0;
  let allHandled;
  const handledAll = new Promise((r) => (allHandled = r));
  const adapter = await makeAdapter(system, {
    ...o,
    onJob: () => {
      if (++handled === o.jobs) allHandled(performance.now());
    },
  });
  try {
    const server0 = processCpuSeconds(serverNames(store));
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    for (let i = 0; i < o.jobs; i += o.batch) await adapter.insertBatch(Math.min(o.batch, o.jobs - i));
    const t1 = performance.now();
    const cpu1 = cpuSeconds();
    const server1 = processCpuSeconds(serverNames(store));
    await adapter.start();
    const tHandled = await handledAll;
    // The last handler has run; the run ends when the last completion is written.
    let done;
    while ((done = await adapter.completed(o.jobs)) < o.jobs) await sleep(2);
    const t2 = performance.now();
    const cpu2 = cpuSeconds();
    const server2 = processCpuSeconds(serverNames(store));
    if (done !== o.jobs) throw new Error(`${system}: ${done} of ${o.jobs} jobs completed`);
    return {
      system,
      describe: adapter.describe(),
      jobs: o.jobs,
      insertMs: t1 - t0,
      processMs: t2 - t1,
      totalMs: t2 - t0,
      lastHandlerToDurableMs: t2 - tHandled,
      nodeCpu: { insert: cpu1 - cpu0, process: cpu2 - cpu1 },
      serverCpu: { insert: server1 - server0, process: server2 - server1 },
    };
  } finally {
    await adapter.close();
  }
}

async function latencyChild(system, o) {
  let waiting;
  const adapter = await makeAdapter(system, {
    ...o,
    onJob: (data) => {
      const t = performance.now();
      if (waiting !== undefined && data?.i === waiting.i) waiting.resolve(t);
    },
  });
  try {
    await adapter.start();
    await sleep(200); // let start-up work settle: the system is idle when the samples begin
    const pickup = [];
    const insert = [];
    for (let k = -o.warmup; k < o.samples; k++) {
      const started = new Promise((resolve) => (waiting = { i: k, resolve }));
      const t0 = performance.now();
      await adapter.insertOne({ i: k });
      const tInserted = performance.now();
      const t1 = await Promise.race([
        started,
        sleep(10_000).then(() => Promise.reject(new Error(`${system}: sample ${k} not picked up in 10 s`))),
      ]);
      if (k >= 0) {
        pickup.push(t1 - t0);
        insert.push(tInserted - t0);
      }
      await sleep(o.pauseMs);
    }
    return {
      system,
      describe: adapter.describe(),
      samples: pickup.length,
      p50: percentile(pickup, 50),
      p95: percentile(pickup, 95),
      max: Math.max(...pickup),
      insertP50: percentile(insert, 50),
    };
  } finally {
    await adapter.close();
  }
}

async function childMain(spec) {
  const { mode, system, options } = JSON.parse(spec);
  const limit = setTimeout(() => {
    process.send({ error: `${system} ${mode}: no result after ${options.timeoutMs / 1000} s` });
    process.exit(2);
  }, options.timeoutMs);
  limit.unref();
  try {
    const result = mode === 'throughput' ? await throughputChild(system, options) : await latencyChild(system, options);
    process.send({ result }, () => process.exit(0));
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
  }
}

// ---------------------------------------------------------------------------------------------------
// Parent: rounds of child runs, medians, the docs section.

function runChild(mode, system, options, profileDir) {
  return new Promise((resolve, reject) => {
    const execArgv =
      profileDir !== undefined
        ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${system}-${mode}-${Date.now()}.cpuprofile`]
        : [];
    const child = fork(SELF, ['--child', JSON.stringify({ mode, system, options })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv,
    });
    let message;
    child.on('message', (m) => (message = m));
    child.on('exit', (code) => {
      if (message?.result !== undefined) resolve(message.result);
      else reject(new Error(message?.error ?? `${system} ${mode} exited with ${code}`));
    });
  });
}

/** Writes PostgreSQL's dirty buffers out now; a server that refuses (no privilege) is left alone. */
async function checkpoint(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch {
    // Not a superuser nor pg_checkpoint: the samples run as before.
  } finally {
    await client.end();
  }
}

async function postgresFacts(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const facts = {};
    for (const name of [
      'server_version',
      'shared_buffers',
      'synchronous_commit',
      'fsync',
      'max_wal_size',
      'max_connections',
    ]) {
      facts[name] = (await client.query(`SHOW ${name}`)).rows[0][name];
    }
    return facts;
  } finally {
    await client.end();
  }
}

async function redisFacts(url) {
  const { Redis } = await import(pathToFileURL(peerRequire.resolve('ioredis')).href);
  const redis = new Redis(url);
  try {
    const info = await redis.info('server');
    const [, save] = await redis.config('GET', 'save');
    const [, appendonly] = await redis.config('GET', 'appendonly');
    return { version: /redis_version:(\S+)/.exec(info)?.[1], save: save === '' ? '(none)' : save, appendonly };
  } finally {
    redis.disconnect();
  }
}

// The peers live in their own package (bench/peers), installed on first use, so that the project's
// own install and CI never fetch them.
const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));
const peerRequire = createRequire(`${PEERS}package.json`);
function ensurePeers() {
  if (existsSync(`${PEERS}node_modules`)) return;
  console.error('Installing the peer queues for the benchmark into bench/peers (once)…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' });
}
const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const rate = (jobs, ms) => (jobs * 1000) / ms;

export async function run(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  ensurePeers();
  if (values.help) {
    process.stdout.write(
      `${description}\n\noptions: ${Object.keys(OPTIONS)
        .filter((k) => k !== 'child')
        .map((k) => `--${k}`)
        .join(' ')}\nsystems: ${[...THROUGHPUT_ORDER, ...Object.keys(LATENCY_ONLY)].join(', ')}\n`,
    );
    return;
  }
  if (values.render !== undefined) {
    const saved = JSON.parse(readFileSync(values.render, 'utf8'));
    saved.started = new Date(saved.started);
    saved.summary = summarize(saved.throughput, saved.latency);
    const section = saved.o.baseline !== undefined ? 'queue-baseline' : 'queue';
    process.stdout.write(`wrote ${writeSection(section, render(saved))}\n`);
    return;
  }
  const databaseUrl = process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.JOBLINE_BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  const o = {
    rounds: Number(values.rounds),
    jobs: Number(values.jobs),
    batch: Number(values.batch),
    concurrency: Number(values.concurrency),
    samples: Number(values.samples),
    warmup: Number(values.warmup),
    pauseMs: Number(values['pause-ms']),
    pgbossBatch: Number(values['pgboss-batch']),
    prefetch: Number(values.prefetch),
    claimBatch: Number(values['claim-batch']),
  };
  const pick = (list, order) =>
    list === undefined
      ? order
      : list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const baselines = (list) => (values.baseline === undefined ? list : [...new Set(withBaselines(list))]);
  const throughputSystems = values['no-throughput'] ? [] : baselines(pick(values.systems, THROUGHPUT_ORDER));
  const latencySystems = values['no-latency']
    ? []
    : baselines(pick(values['latency-systems'] ?? values.systems, LATENCY_ORDER));
  for (const s of throughputSystems) if (SYSTEMS[s] === undefined) throw new Error(`unknown system ${s}`);
  for (const s of latencySystems)
    if (SYSTEMS[s] === undefined && LATENCY_ONLY[s] === undefined) throw new Error(`unknown system ${s}`);

  const log = (line) => process.stdout.write(`${line}\n`);
  const host = machine();
  const started = new Date();
  const facts = { postgres: await postgresFacts(databaseUrl), redis: await redisFacts(redisUrl) };
  log(
    `queue benchmark: ${o.rounds} round(s), ${fmt(o.jobs)} jobs in batches of ${fmt(o.batch)}, concurrency ${o.concurrency}; ${host.nproc} cores, ${host.cpu}, Node ${host.node}`,
  );
  log(`PostgreSQL ${facts.postgres.server_version}, Redis ${facts.redis.version}`);
  const childOptions = {
    ...o,
    databaseUrl,
    redisUrl,
    timeoutMs: 900_000,
    ...(values.baseline !== undefined ? { baseline: resolvePath(values.baseline) } : {}),
  };
  if (values.baseline !== undefined) {
    o.baseline = gitDescribe(childOptions.baseline);
    log(`baseline: ${o.baseline}`);
  }

  const throughput = Object.fromEntries(throughputSystems.map((s) => [s, []]));
  const latency = Object.fromEntries(latencySystems.map((s) => [s, []]));
  const describe = {};
  // Saved after every run, so an interrupted benchmark still leaves what it measured.
  const save = () =>
    values.json !== undefined &&
    writeFileSync(values.json, JSON.stringify({ o, host, started, facts, describe, throughput, latency }, null, 2));
  for (let round = 1; round <= o.rounds; round++) {
    // A round runs every system once, so slow drifts in the machine's load spread over all of them.
    for (const s of inTurn(throughputSystems, round)) {
      const r = await runChild('throughput', s, childOptions, values.profile);
      throughput[s].push(r);
      describe[s] = r.describe;
      save();
      log(
        `round ${round} ${s.padEnd(16)} ${fmt(rate(r.jobs, r.totalMs)).padStart(7)} jobs/s end to end ` +
          `(insert ${fmt(rate(r.jobs, r.insertMs))}/s in ${fmt(r.insertMs / 1000, 1)} s, processing ${fmt(rate(r.jobs, r.processMs))}/s in ${fmt(r.processMs / 1000, 1)} s; ` +
          `node CPU ${fmt(r.nodeCpu.process, 1)} s, server CPU ${fmt(r.serverCpu.process, 1)} s while processing)`,
      );
    }
    for (const s of inTurn(latencySystems, round)) {
      // Each sample's insert waits for its commit to reach the disk, which every system here shares:
      // write out what the runs before left in PostgreSQL's buffers now, not during the samples.
      await checkpoint(databaseUrl);
      const r = await runChild('latency', s, childOptions, values.profile);
      latency[s].push(r);
      describe[s] ??= r.describe;
      save();
      log(
        `round ${round} ${s.padEnd(18)} pickup p50 ${fmt(r.p50, 2)} ms, p95 ${fmt(r.p95, 2)} ms, max ${fmt(r.max, 1)} ms (insert call p50 ${fmt(r.insertP50, 2)} ms)`,
      );
    }
  }

  save();
  const summary = summarize(throughput, latency);
  for (const [s, t] of Object.entries(summary.throughput))
    log(`median ${s.padEnd(16)} ${fmt(t.total)} jobs/s (insert ${fmt(t.insert)}/s, processing ${fmt(t.process)}/s)`);
  for (const [s, l] of Object.entries(summary.latency))
    log(`median ${s.padEnd(18)} pickup p50 ${fmt(l.p50, 2)} ms, p95 ${fmt(l.p95, 2)} ms`);
  if (values['no-write']) return;
  // A comparison of builds has a section of its own, so the comparison with the peers stays.
  const path = writeSection(
    values.baseline !== undefined ? 'queue-baseline' : 'queue',
    render({ o, host, started, facts, describe, throughput, latency, summary, databaseUrl }),
  );
  log(`wrote ${path}`);
}

function summarize(throughput, latency) {
  const t = {};
  for (const [s, runs] of Object.entries(throughput)) {
    if (runs.length === 0) continue;
    t[s] = {
      total: median(runs.map((r) => rate(r.jobs, r.totalMs))),
      insert: median(runs.map((r) => rate(r.jobs, r.insertMs))),
      process: median(runs.map((r) => rate(r.jobs, r.processMs))),
      nodeCpu: median(runs.map((r) => r.nodeCpu.process)),
      serverCpu: median(runs.map((r) => r.serverCpu.process)),
      runs: runs.map((r) => rate(r.jobs, r.totalMs)),
    };
  }
  const l = {};
  for (const [s, runs] of Object.entries(latency)) {
    if (runs.length === 0) continue;
    l[s] = {
      p50: median(runs.map((r) => r.p50)),
      p95: median(runs.map((r) => r.p95)),
      insertP50: median(runs.map((r) => r.insertP50)),
      runs: runs.map((r) => r.p50),
    };
  }
  return { throughput: t, latency: l };
}

const label = (s) => (SYSTEMS[s] ?? LATENCY_ONLY[s]).label;

function versionOf(s, describe, o) {
  if (s.endsWith(BASELINE)) return `${o.baseline ?? 'baseline'}`;
  if (s.startsWith('jobline')) return require('../package.json').version;
  return describe[s]?.version ?? '–';
}

function render({ o, host, started, facts, describe, summary }) {
  const t = summary.throughput;
  const l = summary.latency;
  const jl = t['jobline-pg']?.total;
  const lines = [];
  lines.push(
    o.baseline !== undefined
      ? `## Queue: this build against a baseline build (${o.baseline})`
      : '## Queue: 100,000 no-op jobs end to end, and pickup latency',
  );
  lines.push('');
  lines.push(
    `Measured ${started.toISOString().slice(0, 10)} on a **2-core virtual machine** (its speed varies by ±30 % from minute to minute, so compare systems within one run): ` +
      `${host.nproc} cores, ${host.cpu}, ${fmt(host.memoryGiB, 0)} GiB, Node ${host.node}, ${host.os}; load average ${host.loadavg.map((v) => fmt(v, 1)).join(', ')} when the run started. ` +
      `PostgreSQL ${facts.postgres.server_version} on the same machine (shared_buffers ${facts.postgres.shared_buffers}, synchronous_commit ${facts.postgres.synchronous_commit}, fsync ${facts.postgres.fsync}); ` +
      `Redis ${facts.redis.version} with no persistence (save ${facts.redis.save}, appendonly ${facts.redis.appendonly}). ` +
      `Median of ${o.rounds} rounds; each run is a fresh child process with its own PostgreSQL schema, SQLite directory or Redis prefix, dropped afterwards.${o.baseline !== undefined ? ' In every other round each baseline build runs before this build rather than after it.' : ''}`,
  );
  lines.push('');
  lines.push(
    'Reproduce: `npm run bench -- queue` (builds `dist/` first; `--rounds`, `--jobs`, `--systems`, `--help`).',
  );
  lines.push('');
  lines.push(
    `### Throughput: ${fmt(o.jobs)} jobs, inserted in batches of ${fmt(o.batch)}, then run with concurrency ${o.concurrency}`,
  );
  lines.push('');
  lines.push(
    'End to end is jobs ÷ (first insert → last completion written); processing starts when the workers are started after the last insert.',
  );
  lines.push('');
  lines.push(
    '| system | version | end to end jobs/s | insert jobs/s | processing jobs/s | Jobline PG ÷ this | runs (end to end) | worker CPU s | server CPU s |',
  );
  lines.push('|---|---|--:|--:|--:|--:|---|--:|--:|');
  for (const s of withBaselines(THROUGHPUT_ORDER)) {
    const x = t[s];
    if (x === undefined) continue;
    const ratio = s === 'jobline-pg' ? '1.00' : jl !== undefined ? fmt(jl / x.total, 2) : '–';
    lines.push(
      `| ${label(s)} | ${versionOf(s, describe, o)} | **${fmt(x.total)}** | ${fmt(x.insert)} | ${fmt(x.process)} | ${ratio} | ${x.runs.map((v) => fmt(v)).join(', ')} | ${fmt(x.nodeCpu, 1)} | ${fmt(x.serverCpu, 1)} |`,
    );
  }
  lines.push('');
  lines.push(
    '"worker CPU s" is the benchmark process (inserting client and workers) while processing; "server CPU s" is every PostgreSQL (or Redis) process on the machine over the same time, other users\' included.',
  );
  lines.push('');
  if (Object.keys(l).length > 0) {
    lines.push(`### Pickup latency: insert → handler start, idle system`);
    lines.push('');
    lines.push(
      `${o.samples} samples per round after ${o.warmup} warm-up samples, one job at a time, ${o.pauseMs} ms pause after each pickup; the time starts before the insert call, so it includes the insert's own round trip (shown separately). Each system's samples start after a PostgreSQL \`CHECKPOINT\`, so none waits on writes the runs before it left. Median of the rounds' p50 and p95.`,
    );
    lines.push('');
    lines.push('| system | p50 ms | p95 ms | insert call p50 ms | goal |');
    lines.push('|---|--:|--:|--:|---|');
    for (const s of withBaselines(LATENCY_ORDER)) {
      const x = l[s];
      if (x === undefined) continue;
      const goal =
        s === 'jobline-pg' || s === 'jobline-pg-notify'
          ? `p50 ≤ ${GOALS.pickupP50Postgres} ms: ${x.p50 <= GOALS.pickupP50Postgres ? 'met' : 'missed'}`
          : s === 'jobline-sqlite'
            ? `p50 ≤ ${GOALS.pickupP50Sqlite} ms: ${x.p50 <= GOALS.pickupP50Sqlite ? 'met' : 'missed'}`
            : '';
      lines.push(`| ${label(s)} | **${fmt(x.p50, 2)}** | ${fmt(x.p95, 2)} | ${fmt(x.insertP50, 2)} | ${goal} |`);
    }
    lines.push('');
    lines.push(
      'Each system runs with its throughput settings above. Jobline wakes its workers in-process and, across processes, by LISTEN/NOTIFY (the second PostgreSQL row creates the jobs through a second set of services, its own pool and wake-ups, so the worker hears of them only by NOTIFY, as when the API and the worker are different processes). The floor row has no job system: one statement inserts a row and NOTIFYs, and the time stops when another connection hears it; no service woken by NOTIFY can pick a job up sooner on the same server and disk. graphile-worker wakes by LISTEN/NOTIFY, BullMQ by its blocking wait on Redis. pg-boss 10 has no wake-up: a job waits for the next poll of one of its 32 loops, each polling every 0.5 s.',
    );
    lines.push('');
  }
  lines.push('### Goals');
  lines.push('');
  // Each round also compares the two systems it ran one after the other: on a machine whose speed
  // drifts between rounds, those pairs are steadier than the medians taken over all rounds.
  const ratios = (a, b) => a.runs.map((x, i) => x / b.runs[i]);
  const differences = (a, b) => a.runs.map((x, i) => x - b.runs[i]);
  const signed = (d) => `${d >= 0 ? '+' : '−'}${fmt(Math.abs(d), 2)}`;
  for (const s of Object.keys(t).filter((s) => s.endsWith(BASELINE))) {
    const now = t[s.slice(0, -BASELINE.length)];
    if (now === undefined) continue;
    const paired = ratios(now, t[s]);
    lines.push(
      `- ${label(s.slice(0, -BASELINE.length))} against the baseline build (${o.baseline}): ${fmt(now.total)} vs ${fmt(t[s].total)} jobs/s end to end = **${fmt(now.total / t[s].total, 2)}×** (per round ${paired.map((r) => fmt(r, 2)).join(', ')}: ahead in ${paired.filter((r) => r >= 1).length} of ${paired.length}); processing ${fmt(now.process)} vs ${fmt(t[s].process)} jobs/s = ${fmt(now.process / t[s].process, 2)}×; insert ${fmt(now.insert)} vs ${fmt(t[s].insert)} jobs/s = ${fmt(now.insert / t[s].insert, 2)}× (goal: ≥ 1).`,
    );
  }
  for (const s of Object.keys(l).filter((s) => s.endsWith(BASELINE))) {
    const now = l[s.slice(0, -BASELINE.length)];
    if (now === undefined) continue;
    const paired = differences(now, l[s]);
    lines.push(
      `- Pickup p50, ${label(s.slice(0, -BASELINE.length))} against the baseline build: ${fmt(now.p50, 2)} vs ${fmt(l[s].p50, 2)} ms (per round ${paired.map(signed).join(', ')} ms: not slower in ${paired.filter((d) => d <= 0).length} of ${paired.length}; their median ${signed(median(paired))} ms) (goal: not worse).`,
    );
  }
  for (const s of ['graphile-worker', 'bullmq', 'pg-boss']) {
    if (t[s] === undefined || jl === undefined) continue;
    const paired = ratios(t['jobline-pg'], t[s]);
    lines.push(
      `- Jobline on PostgreSQL vs ${label(s)}: ${fmt(jl)} vs ${fmt(t[s].total)} jobs/s = **${fmt(jl / t[s].total, 2)}×** (per round ${paired.map((r) => fmt(r, 2)).join(', ')}) (goal: ${AHEAD[s] === undefined ? 'ahead, > 1' : `≥ ${fmt(AHEAD[s], 1)}×`}; the issue's reference for ${s} on such a machine: ~${fmt(REFERENCE[s])} jobs/s).`,
    );
  }
  if (t['jobline-sqlite'] !== undefined) {
    lines.push(
      `- Jobline on SQLite: ${fmt(t['jobline-sqlite'].total)} jobs/s = **${fmt(t['jobline-sqlite'].total / GOALS.sqliteJobsPerSecond, 2)}×** the goal of ${fmt(GOALS.sqliteJobsPerSecond)} jobs/s.`,
    );
  }
  if (l['jobline-pg'] !== undefined)
    lines.push(
      `- Pickup p50 on PostgreSQL: ${fmt(l['jobline-pg'].p50, 2)} ms against a goal of ≤ ${GOALS.pickupP50Postgres} ms (${l['jobline-pg'].p50 <= GOALS.pickupP50Postgres ? 'met' : 'missed'}).`,
    );
  const floor = l['notify-floor'];
  const notified = l['jobline-pg-notify'];
  if (floor !== undefined && notified !== undefined) {
    const above = differences(notified, floor);
    lines.push(
      `- Pickup p50 across processes (LISTEN/NOTIFY): ${fmt(notified.p50, 2)} ms; the floor of this server and disk (a one-row INSERT … pg_notify heard on another connection) ${fmt(floor.p50, 2)} ms; Jobline above the floor by ${fmt(median(above), 2)} ms (rounds ${above.map((d) => fmt(d, 2)).join(', ')}); goal ≤ ${GOALS.pickupP50Postgres} ms (met in ${notified.runs.filter((r) => r <= GOALS.pickupP50Postgres).length} of ${notified.runs.length} rounds; on the medians ${notified.p50 <= GOALS.pickupP50Postgres ? 'met' : floor.p50 >= GOALS.pickupP50Postgres ? 'missed: the floor itself is above it on this machine' : 'missed'}).`,
    );
  }
  if (l['jobline-sqlite'] !== undefined)
    lines.push(
      `- Pickup p50 on SQLite: ${fmt(l['jobline-sqlite'].p50, 2)} ms against a goal of ≤ ${GOALS.pickupP50Sqlite} ms (${l['jobline-sqlite'].p50 <= GOALS.pickupP50Sqlite ? 'met' : 'missed'}).`,
    );
  lines.push('');
  lines.push('### Settings');
  lines.push('');
  lines.push(
    `- **Jobline**: one \`Worker\` with \`concurrency: ${o.concurrency}\` and \`prefetch: ${o.prefetch}\` (\`JOBLINE_WORKER_PREFETCH\`: up to ${o.prefetch} jobs claimed ahead and held in the worker's local queue, its counterpart of graphile-worker's \`localQueue\`) and \`batchSize: ${o.claimBatch}\` (jobs per claim), otherwise default options (completions batched while the previous batch is written); jobs created with \`createJobs\`, one transaction per batch; default durability (PostgreSQL as configured above; SQLite in WAL mode with \`synchronous=FULL\`). Jobline keeps every finished job and its attempt history (a succeeded attempt in the job's row, any other attempt as a row of its own).`,
  );
  if (describe['graphile-worker'] !== undefined) {
    const g = describe['graphile-worker'].settings;
    lines.push(
      `- **graphile-worker ${describe['graphile-worker'].version}**: the batching settings of its performance docs — \`localQueue: { size: ${g.localQueue.size} }\`, \`completeJobBatchDelay: ${g.completeJobBatchDelay}\`, \`failJobBatchDelay: ${g.failJobBatchDelay}\` — with \`concurrentJobs: ${g.concurrentJobs}\` and \`maxPoolSize: ${g.maxPoolSize}\` (their perf test uses concurrency 24 with a pool of 25); jobs added with \`WorkerUtils.addJobs\`. Completed jobs are deleted.`,
    );
  }
  if (describe['pg-boss'] !== undefined) {
    const p = describe['pg-boss'].settings;
    lines.push(
      `- **pg-boss ${describe['pg-boss'].version}** (10.x, the newest major that runs on Node 20; 11+ needs Node 22): pg-boss 10 has no per-worker concurrency option, so concurrency ${o.concurrency} is ${p.workers} \`work()\` loops, each fetching \`batchSize: ${p.batchSize}\` jobs per poll with \`pollingIntervalSeconds: ${p.pollingIntervalSeconds}\` (the minimum) — up to ${fmt(p.workers * p.batchSize)} jobs claimed at once; pool \`max: ${p.max}\`; jobs inserted with \`insert()\`; otherwise defaults (maintenance on, completed jobs kept).`,
    );
  }
  if (describe.bullmq !== undefined) {
    const b = describe.bullmq;
    lines.push(
      `- **BullMQ ${b.version}** with ioredis ${b.ioredisVersion} on Redis ${b.redisVersion}: one \`Worker\` with \`concurrency: ${b.settings.concurrency}\`, jobs added with \`addBulk\`, \`removeOnComplete: { count: ${b.settings.removeOnComplete.count} }\` as its production guide advises.`,
    );
  }
  lines.push('- pg-boss 11+ and graphile-worker 0.18 need Node 22 and are not measured; this project targets Node 20.');
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] === SELF && process.argv[2] === '--child') await childMain(process.argv[3]);
