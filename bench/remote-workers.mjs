// Remote-workers benchmark: no-op jobs run by HTTP worker processes (`runRemoteWorker`, the public
// client, batched claims and completions) against the same jobs run by the server's in-process worker,
// on SQLite and PostgreSQL, rounds interleaved. Each run is a server child process (startServer, as
// `jobline serve` runs it) in a schema or directory of its own, plus the worker processes for the HTTP
// case. Measures throughput (jobs inserted, then run) and the pickup latency of a waiting worker (one
// job at a time created over the API, its answer → handler start). Writes its section of
// docs/benchmarks.md.
//
//   npm run bench -- remote-workers [--rounds 3] [--jobs 20000] [--samples 200] [--workers 4]
//                                   [--concurrency 32] [--prefetch 100] [--databases sqlite,postgres] [--no-write]
// bench/lib/remote-workers-ab.mjs runs the HTTP case of several builds side by side.
//   JOBLINE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, median, percentile, writeSection } from './lib/common.mjs';
import { nowMs } from './lib/remote-jobs.mjs';

export const description =
  'no-op jobs by HTTP worker processes (runRemoteWorker) vs the in-process worker: throughput and pickup latency, SQLite and PostgreSQL';

const SERVER = fileURLToPath(new URL('./lib/remote-server.mjs', import.meta.url));
const WORKER = fileURLToPath(new URL('./lib/remote-worker-child.mjs', import.meta.url));

const OPTIONS = {
  rounds: { type: 'string', default: '3' },
  jobs: { type: 'string', default: '20000' },
  batch: { type: 'string', default: '1000' },
  samples: { type: 'string', default: '200' },
  warmup: { type: 'string', default: '10' },
  'pause-ms': { type: 'string', default: '20' },
  /** HTTP worker processes. */
  workers: { type: 'string', default: '4' },
  /** Jobs run at once by each HTTP worker process, and by the in-process worker. */
  concurrency: { type: 'string', default: '32' },
  /** Jobs claimed ahead of free slots: the in-process worker's (JOBLINE_WORKER_PREFETCH) and each HTTP worker's. */
  prefetch: { type: 'string', default: '100' },
  databases: { type: 'string', default: 'sqlite,postgres' },
  'no-write': { type: 'boolean', default: false },
  /** Directory for a V8 CPU profile of every child process (read them with bench/lib/profile-summary.mjs). */
  profile: { type: 'string' },
  /** Also save the raw results as JSON here; `--render FILE` writes the docs section from such a file. */
  json: { type: 'string' },
  render: { type: 'string' },
  help: { type: 'boolean', default: false },
};

// The goals: HTTP throughput at least half the in-process one; pickup p50 within 3 ms of it.
const GOALS = { throughputRatio: 0.5, pickupP50DeltaMs: 3 };
const MODES = { inprocess: 'in-process worker', http: 'HTTP workers' };
const DATABASES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const rate = (jobs, ms) => jobs / (ms / 1000);
const signed = (n) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n), 2)}`;

/** A child process answering `ask(msg)` by `{ reply: id }`; other messages go to `on` listeners. */
function child(file, profileDir) {
  const execArgv = profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const proc = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  const listeners = new Set();
  let next = 0;
  let isReady;
  let failed;
  const ready = new Promise((resolve, reject) => ((isReady = resolve), (failed = reject)));
  proc.on('message', (m) => {
    if (m.cmd === 'ready') isReady();
    else if (m.reply !== undefined) {
      const w = waiting.get(m.reply);
      waiting.delete(m.reply);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m);
    } else for (const l of listeners) l(m);
  });
  proc.on('exit', (code) => {
    const error = new Error(`${file} exited with ${code}`);
    failed(error);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    for (const l of listeners) l({ cmd: 'exit', code });
  });
  return {
    proc,
    ready,
    on: (l) => listeners.add(l),
    ask(msg) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        proc.send({ ...msg, id });
      });
    },
  };
}

/**
 * One run: a server (and HTTP workers), throughput, then pickup latency on the idle system. `o.root`
 * (default this checkout) is the directory whose bench/lib/ and dist/ the child processes run, so
 * bench/lib/remote-workers-ab.mjs can run other builds.
 */
export async function runOnce(database, mode, o) {
  const at = (file) => (o.root === undefined ? file : `${o.root}/bench/lib/${file.split('/').pop()}`);
  const server = child(at(SERVER), o.profile);
  const workers = mode === 'http' ? Array.from({ length: o.workers }, () => child(at(WORKER), o.profile)) : [];
  const all = [server, ...workers];
  let waiting;
  let broken;
  const onMessage = (m) => {
    if (m.cmd === 'handler-started' && waiting?.sample === m.sample) waiting.resolve(m.at);
    else if (m.cmd === 'error' || (m.cmd === 'exit' && m.code !== 0)) {
      broken = new Error(m.message ?? `a child exited with ${m.code}`);
      waiting?.reject(broken);
    }
  };
  all.forEach((c) => c.on(onMessage));
  try {
    await server.ready;
    const { url, adminToken, workerToken } = await server.ask({
      cmd: 'start',
      databaseUrl: database === 'postgres' ? o.databaseUrl : undefined,
    });
    await Promise.all(workers.map((w) => w.ready));
    const { insertMs } = await server.ask({ cmd: 'insert', jobs: o.jobs, batch: o.batch });
    const cpu = async () => (await Promise.all(all.map((c) => c.ask({ cmd: 'cpu' })))).map((r) => r.seconds);
    const cpu0 = await cpu();
    const t0 = nowMs();
    const done = server.ask({ cmd: 'awaitDone', jobs: o.jobs });
    if (mode === 'http')
      await Promise.all(
        workers.map((w) =>
          w.ask({ cmd: 'go', url, token: workerToken, concurrency: o.concurrency, prefetch: o.prefetch }),
        ),
      );
    else await server.ask({ cmd: 'startWorker', concurrency: o.concurrency, prefetch: o.prefetch });
    const { doneAt } = await done;
    const processMs = doneAt - t0;
    const cpuUsed = (await cpu()).map((s, i) => s - cpu0[i]);
    const serverCpu = cpuUsed[0];
    const nodeCpu = cpuUsed.reduce((a, b) => a + b, 0);

    await sleep(300); // the system settles: the workers wait in their claims (or for a wake-up)
    const pickup = [];
    const total = [];
    const create = [];
    for (let k = -o.warmup; k < o.samples; k++) {
      const started = new Promise((resolve, reject) => (waiting = { sample: k, resolve, reject }));
      if (broken !== undefined) throw broken;
      const tCall = nowMs();
      const res = await fetch(`${url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'noop', input: { sample: k } }),
      });
      const body = await res.text();
      const tAnswer = nowMs();
      if (!res.ok) throw new Error(`POST /v1/jobs answered ${res.status}: ${body}`);
      let timer;
      const tStart = await Promise.race([
        started,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`sample ${k} not picked up in 10 s`)), 10_000);
        }),
      ]).finally(() => clearTimeout(timer));
      if (k >= 0) {
        pickup.push(tStart - tAnswer);
        total.push(tStart - tCall);
        create.push(tAnswer - tCall);
      }
      await sleep(o.pauseMs);
    }
    waiting = undefined;

    await Promise.all(workers.map((w) => w.ask({ cmd: 'stop' })));
    const { statuses } = await server.ask({ cmd: 'stop' });
    const expected = o.jobs + o.warmup + o.samples;
    if (statuses.succeeded !== expected || Object.keys(statuses).length !== 1)
      throw new Error(`${database} ${mode}: expected ${expected} succeeded jobs, found ${JSON.stringify(statuses)}`);
    return {
      insertMs,
      processMs,
      totalMs: insertMs + processMs,
      nodeCpu,
      serverCpu,
      pickup: { p50: percentile(pickup, 50), p99: percentile(pickup, 99), max: Math.max(...pickup) },
      totalP50: percentile(total, 50),
      createP50: percentile(create, 50),
    };
  } finally {
    // Children exit by themselves after `stop`; one that does not within 5 s (a failed run) is ended.
    await Promise.all(
      all.map(async (c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
        const exited = new Promise((r) => c.proc.once('exit', r));
        if (broken !== undefined || (await Promise.race([exited, sleep(5000).then(() => 'late')])) === 'late') {
          c.proc.kill();
          await exited;
        }
      }),
    );
  }
}

function summarize(results) {
  const s = {};
  for (const [key, runs] of Object.entries(results)) {
    if (runs.length === 0) continue;
    s[key] = {
      total: median(runs.map((r) => rate(r.jobs, r.totalMs))),
      process: median(runs.map((r) => rate(r.jobs, r.processMs))),
      insert: median(runs.map((r) => rate(r.jobs, r.insertMs))),
      cpuPerJob: median(runs.map((r) => (r.nodeCpu * 1e6) / r.jobs)),
      p50: median(runs.map((r) => r.pickup.p50)),
      p99: median(runs.map((r) => r.pickup.p99)),
      totalP50: median(runs.map((r) => r.totalP50)),
      createP50: median(runs.map((r) => r.createP50)),
      runs: runs.map((r) => rate(r.jobs, r.processMs)),
    };
  }
  return s;
}

function render({ o, host, hostAfter, started, summary }) {
  const lines = [];
  const push = (...l) => lines.push(...l);
  push('## Remote workers: HTTP worker processes against the in-process worker', '');
  push(
    `Measured ${started.toISOString().slice(0, 10)} on a **2-core virtual machine shared with other work** (load average ${host.loadavg.map((v) => fmt(v, 1)).join(', ')} when the run started, ${hostAfter.loadavg.map((v) => fmt(v, 1)).join(', ')} when it ended: every figure is a fraction of an idle machine's, so read the ratios): ` +
      `${host.nproc} cores, ${host.cpu}, Node ${host.node}; PostgreSQL on the same machine. Median of ${o.rounds} rounds; in each round every database runs both ways, in alternating order, each run a fresh server process with its own PostgreSQL schema or SQLite directory, dropped afterwards.`,
    '',
    'Reproduce: `npm run bench -- remote-workers` (`--jobs`, `--rounds`, `--samples`, `--workers`, `--concurrency`, `--databases`, `--no-write`).',
    '',
    `- **HTTP workers**: the server as \`jobline serve\` runs it with no in-process worker (\`JOBLINE_WORKER_CONCURRENCY=0\`), and ${o.workers} worker processes, each \`runRemoteWorker\` with \`concurrency: ${o.concurrency}\` and \`prefetch: ${o.prefetch}\` (each claim asks for its free slots plus the prefetch, at most 100 jobs; completions that finish together go in one \`POST /v1/worker/completions\`).`,
    `- **In-process worker**: the same server with one \`Worker\` (\`concurrency: ${o.concurrency}\`, \`prefetch: ${o.prefetch}\`, as \`JOBLINE_WORKER_CONCURRENCY\` and \`JOBLINE_WORKER_PREFETCH\` set it), started once the jobs are in.`,
    '',
    `### Throughput: ${fmt(o.jobs)} no-op jobs, created in batches of ${fmt(o.batch)}, then run`,
    '',
    "Processing is workers started → last job succeeded (polled); end to end adds the creation, the same for both. CPU is every Node process of the run (server and workers) while processing, per job; PostgreSQL's own is not counted.",
    '',
    '| database | workers | processing jobs/s | runs | end to end jobs/s | Node CPU µs/job | HTTP ÷ in-process (processing) | end to end |',
    '|---|---|--:|---|--:|--:|--:|--:|',
  );
  const goals = [];
  for (const db of o.databases) {
    const base = summary[`${db}:inprocess`];
    const http = summary[`${db}:http`];
    for (const mode of Object.keys(MODES)) {
      const x = summary[`${db}:${mode}`];
      if (x === undefined) continue;
      const ratio = mode === 'http' && base !== undefined ? `**${fmt(x.process / base.process, 2)}**` : '';
      const ratioTotal = mode === 'http' && base !== undefined ? fmt(x.total / base.total, 2) : '';
      push(
        `| ${DATABASES[db]} | ${MODES[mode]} | **${fmt(x.process)}** | ${x.runs.map((v) => fmt(v)).join(', ')} | ${fmt(x.total)} | ${fmt(x.cpuPerJob)} | ${ratio} | ${ratioTotal} |`,
      );
    }
    if (base !== undefined && http !== undefined) {
      const r = http.process / base.process;
      // From the create call on both sides: the in-process handoff starts a job inside the create call,
      // before it is answered, so "answered → start" is no latency there (it goes below zero).
      const d = http.totalP50 - base.totalP50;
      goals.push(
        `- ${DATABASES[db]}: HTTP throughput ${fmt(http.process)} vs ${fmt(base.process)} jobs/s processing = **${fmt(r, 2)}×** (end to end ${fmt(http.total / base.total, 2)}×); goal ≥ ${GOALS.throughputRatio}×: ${r >= GOALS.throughputRatio ? 'met' : 'missed'}.`,
        `- ${DATABASES[db]}: pickup p50 (create call → start) ${fmt(http.totalP50, 2)} vs ${fmt(base.totalP50, 2)} ms = **${signed(d)} ms**; goal within ${GOALS.pickupP50DeltaMs} ms: ${d <= GOALS.pickupP50DeltaMs ? 'met' : 'missed'}. From the create call's answer: ${fmt(http.p50, 2)} vs ${fmt(base.p50, 2)} ms (the in-process worker starts the job before the answer).`,
      );
    }
  }
  push(
    '',
    '### Pickup latency of a waiting worker: create → handler start',
    '',
    `On the idle system after the throughput run, ${o.samples} samples per round after ${o.warmup} warm-up ones: one job at a time created with \`POST /v1/jobs\` (a keep-alive connection), then the time from its answer to the handler's start (the machine's monotonic clock, shared by the processes), ${o.pauseMs} ms pause after each. The in-process worker gets an idle worker's job in the create's own transaction (the handoff), so its handler may start before the answer arrives; the "call → start" column counts from before the create, and the goal compares it. Median of the rounds' percentiles.`,
    '',
    '| database | workers | p50 ms | p99 ms | call → start p50 ms | create call p50 ms |',
    '|---|---|--:|--:|--:|--:|',
  );
  for (const db of o.databases)
    for (const mode of Object.keys(MODES)) {
      const x = summary[`${db}:${mode}`];
      if (x === undefined) continue;
      push(
        `| ${DATABASES[db]} | ${MODES[mode]} | ${fmt(x.p50, 2)} | ${fmt(x.p99, 2)} | **${fmt(x.totalP50, 2)}** | ${fmt(x.createP50, 2)} |`,
      );
    }
  push('', '### Goals', '', ...goals, '');
  return lines.join('\n');
}

export async function run(args) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- remote-workers [--rounds 3] [--jobs 20000] [--batch 1000] [--samples 200] [--warmup 10]\n' +
        '         [--pause-ms 20] [--workers 4] [--concurrency 32] [--prefetch 100] [--databases sqlite,postgres]\n' +
        '         [--json FILE] [--render FILE] [--profile DIR] [--no-write]\n',
    );
    return;
  }
  if (values.render !== undefined) {
    const saved = JSON.parse(readFileSync(values.render, 'utf8'));
    const doc = { ...saved, started: new Date(saved.started), summary: summarize(saved.results) };
    process.stdout.write(`wrote ${writeSection('remote-workers', render(doc))}\n`);
    return;
  }
  const o = {
    rounds: Number(values.rounds),
    jobs: Number(values.jobs),
    batch: Number(values.batch),
    samples: Number(values.samples),
    warmup: Number(values.warmup),
    pauseMs: Number(values['pause-ms']),
    workers: Number(values.workers),
    concurrency: Number(values.concurrency),
    prefetch: Number(values.prefetch),
    databases: values.databases.split(',').map((s) => s.trim()),
    databaseUrl: process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    profile: values.profile,
  };
  for (const db of o.databases) if (DATABASES[db] === undefined) throw new Error(`unknown database ${db}`);
  const log = (line) => process.stdout.write(`${line}\n`);
  const host = machine();
  const started = new Date();
  log(
    `remote-workers benchmark: ${o.rounds} round(s), ${fmt(o.jobs)} jobs, ${o.workers} HTTP workers × concurrency ${o.concurrency}; ${host.nproc} cores, load ${host.loadavg.map((v) => fmt(v, 1)).join(' ')}`,
  );
  const results = {};
  for (const db of o.databases) for (const mode of Object.keys(MODES)) results[`${db}:${mode}`] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const db of o.databases) {
      // Alternate which goes first, so a drift in the machine's load does not favour one.
      const modes = round % 2 === 1 ? ['inprocess', 'http'] : ['http', 'inprocess'];
      for (const mode of modes) {
        const r = { jobs: o.jobs, ...(await runOnce(db, mode, o)) };
        results[`${db}:${mode}`].push(r);
        const saved = { o, host, hostAfter: machine(), started, results };
        if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(saved, null, 2));
        log(
          `round ${round} ${db.padEnd(8)} ${mode.padEnd(9)} processing ${fmt(rate(o.jobs, r.processMs)).padStart(6)} jobs/s, end to end ${fmt(rate(o.jobs, r.totalMs))} jobs/s, ` +
            `Node CPU ${fmt((r.nodeCpu * 1e6) / o.jobs)} µs/job (server ${fmt((r.serverCpu * 1e6) / o.jobs)}); pickup p50 ${fmt(r.pickup.p50, 2)} ms, p99 ${fmt(r.pickup.p99, 2)} ms (create call p50 ${fmt(r.createP50, 2)} ms)`,
        );
      }
    }
  }
  const summary = summarize(results);
  for (const db of o.databases) {
    const base = summary[`${db}:inprocess`];
    const http = summary[`${db}:http`];
    log(
      `median ${db}: processing HTTP ${fmt(http.process)} vs in-process ${fmt(base.process)} jobs/s = ${fmt(http.process / base.process, 2)}×; ` +
        `pickup p50 from the create call ${fmt(http.totalP50, 2)} vs ${fmt(base.totalP50, 2)} ms (${fmt(http.totalP50 - base.totalP50, 2)} ms), from its answer ${fmt(http.p50, 2)} vs ${fmt(base.p50, 2)} ms`,
    );
  }
  if (values['no-write']) return;
  log(`wrote ${writeSection('remote-workers', render({ o, host, hostAfter: machine(), started, summary }))}`);
}
