// Soak benchmark: hours of a busy server compressed into minutes. Against `jobline serve` as
// startServer runs it (in a child process, with its worker), clients keep opening and cutting
// Server-Sent Events streams (the workspace feed and single jobs), hold long polls, and create jobs
// that the worker runs. Every interval the server reports its memory and event-loop delay; before
// and after the soak, with the load stopped, a forced collection shows what stayed. Pass: RSS after
// the run within 10 % of RSS before it. Runs against the build in dist/ and writes its section of
// docs/benchmarks.md.
//
//   npm run bench -- soak [--duration 180] [--interval 15] [--streams 100] [--pollers 20] [--rate 20] [--seed 20000] [--gc-each] [--no-write]
//   JOBLINE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- soak
import { fork } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { machine, writeSection } from './lib/common.mjs';

export const description =
  'SSE connect/disconnect, long polls and job churn for minutes: RSS and event-loop delay over time';

const OPTIONS = {
  duration: { type: 'string', default: '180' },
  interval: { type: 'string', default: '15' },
  warmup: { type: 'string', default: '20' },
  streams: { type: 'string', default: '100' },
  pollers: { type: 'string', default: '20' },
  rate: { type: 'string', default: '20' },
  seed: { type: 'string', default: '20000' },
  'gc-each': { type: 'boolean', default: false },
  'no-write': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};
/** RSS after the run, after a forced collection, may exceed the one before by at most this share. */
const RSS_TOLERANCE = 0.1;
const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;

/** The server child and a request/response channel to it. */
async function startServerChild(databaseUrl) {
  const child = fork(new URL('./lib/soak-server.mjs', import.meta.url), [], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let next = 0;
  let started;
  const startedP = new Promise((resolve, reject) => (started = { resolve, reject }));
  let stopped;
  const stoppedP = new Promise((resolve) => (stopped = resolve));
  child.on('message', (m) => {
    if (m.cmd === 'started') started.resolve(m);
    else if (m.cmd === 'stopped') stopped();
    else if (m.cmd === 'sample') waiting.get(m.id)?.(m.sample);
    else if (m.cmd === 'error') started.reject(new Error(m.message));
  });
  child.send({ cmd: 'start', databaseUrl });
  const { url, token } = await startedP;
  return {
    url,
    token,
    sample: (gc) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, (s) => {
          waiting.delete(id);
          resolve(s);
        });
        child.send({ cmd: 'sample', id, gc });
      }),
    async stop() {
      child.send({ cmd: 'stop' });
      await Promise.race([stoppedP, sleep(30_000)]);
      child.kill();
    },
  };
}

/** The newest feed event any stream saw, kept from one load phase to the next. */
let lastFeedId;

/** The client side: loops that each keep one kind of load going until stop(). */
function startLoad(url, token, o) {
  const auth = { authorization: `Bearer ${token}` };
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: o.pollers + 20 });
  let running = true;
  const counts = { streams: 0, polls: 0, created: 0, errors: 0 };
  const jobIds = [];
  const request = async (method, path, body, headers = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };

  // Creates jobs in batches of ten, `rate` a second; the worker runs them (created, running, progress, succeeded).
  const creating = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const r = await request('POST', '/v1/jobs:batch', {
          jobs: Array.from({ length: 10 }, () => ({ type: 'soak-step' })),
        });
        if (r.status !== 201) counts.errors++;
        else {
          for (const j of r.json.data) jobIds.push(j.id);
          if (jobIds.length > 1000) jobIds.splice(0, jobIds.length - 1000);
          counts.created += r.json.data.length;
        }
      } catch {
        counts.errors++;
      }
      await sleep(Math.max(0, (10 * 1000) / o.rate - (Date.now() - started)));
    }
  })();

  // One stream: open, read for a random while, cut (as a browser tab closes), open the next. Feed
  // streams resume from the newest event any of them saw (Last-Event-ID, as a reconnecting
  // EventSource does) rather than replaying the workspace's whole history each time.
  const stream = async (i) => {
    while (running) {
      const id = jobIds[Math.floor(Math.random() * jobIds.length)];
      const feed = i % 2 === 0 || id === undefined;
      const path = feed ? '/v1/events' : `/v1/jobs/${id}/events`;
      const resume = feed && lastFeedId !== undefined ? { 'last-event-id': lastFeedId } : {};
      await new Promise((resolve) => {
        const req = http.get(
          `${url}${path}`,
          { agent: false, headers: { ...auth, ...resume, accept: 'text/event-stream' } },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              if (!feed) return;
              const ids = chunk.match(/^id: (.+)$/gm);
              if (ids !== null) lastFeedId = ids.at(-1).slice(4);
            });
            res.on('error', () => undefined);
            res.on('end', resolve);
            setTimeout(
              () => {
                req.destroy();
                resolve();
              },
              200 + Math.random() * 1800,
            );
          },
        );
        req.on('error', () => {
          counts.errors++;
          resolve();
        });
      });
      counts.streams++;
    }
  };

  // One long poller: waits up to 2 s for a change of a recent job, as `?wait=` clients do.
  const poller = async () => {
    while (running) {
      const id = jobIds[Math.floor(Math.random() * jobIds.length)];
      if (id === undefined) {
        await sleep(100);
        continue;
      }
      try {
        const first = await request('GET', `/v1/jobs/${id}`);
        const etag = first.headers.get('etag');
        await new Promise((resolve, reject) => {
          const req = http.get(
            `${url}/v1/jobs/${id}?wait=2`,
            { agent: keepAlive, headers: { ...auth, ...(etag ? { 'if-none-match': etag } : {}) } },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
        });
        counts.polls++;
      } catch {
        counts.errors++;
      }
    }
  };

  const loops = [
    creating,
    ...Array.from({ length: o.streams }, (_, i) => stream(i)),
    ...Array.from({ length: o.pollers }, poller),
  ];
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(loops);
      keepAlive.destroy();
    },
  };
}

/** Creates `count` jobs of a type no worker runs, 100 per request, a few requests at a time. */
async function seedJobs(url, token, count) {
  const pad = 'x'.repeat(400);
  let next = 0;
  const one = async () => {
    while (next < count) {
      const n = Math.min(100, count - next);
      next += n;
      const res = await fetch(`${url}/v1/jobs:batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jobs: Array.from({ length: n }, (_, i) => ({ type: 'soak-seed', input: { i, pad } })) }),
      });
      if (res.status !== 201) throw new Error(`seeding answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 4 }, one));
}

async function soak(dialect, databaseUrl, o) {
  const server = await startServerChild(databaseUrl);
  try {
    const start = await server.sample(true);
    log(`${dialect}: started, RSS ${(start.rss / MB).toFixed(1)} MB`);
    // A deployment's database is not empty: the database's own caches (SQLite's page cache of each
    // connection, the mapped file) fill as it grows and stay bounded, so jobs nobody runs are written
    // first, else the soak measures an empty database filling up rather than what streams leave behind.
    await seedJobs(server.url, server.token, o.seed);
    // Warm-up: the first minutes of a process fill its code caches and pools; measured from after them.
    let load = startLoad(server.url, server.token, o);
    await sleep(o.warmup * 1000);
    await load.stop();
    await sleep(2000);
    const before = await server.sample(true);
    log(`${dialect}: after ${o.warmup} s of warm-up and a forced GC, RSS ${(before.rss / MB).toFixed(1)} MB`);
    await server.sample(false); // resets the event-loop delay histogram
    load = startLoad(server.url, server.token, o);
    const samples = [];
    const t0 = Date.now();
    for (let t = o.interval; t <= o.duration; t += o.interval) {
      await sleep(t0 + t * 1000 - Date.now());
      const s = await server.sample(o.gcEach);
      samples.push({ t, ...s, counts: { ...load.counts } });
      log(
        `${dialect} ${String(t).padStart(4)} s: RSS ${(s.rss / MB).toFixed(1)} MB (heap ${(s.heapUsed / MB).toFixed(1)}, external ${(s.external / MB).toFixed(1)}, anon ${(s.rssAnon / MB).toFixed(1)}), loop delay p99 ${s.delay.p99.toFixed(1)} ms max ${s.delay.max.toFixed(1)} ms, ` +
          `${s.hub.subscribers} subscribers; so far ${load.counts.streams} streams, ${load.counts.polls} polls, ${load.counts.created} jobs, ${load.counts.errors} errors`,
      );
    }
    const counts = { ...load.counts };
    await load.stop();
    await sleep(2000);
    const after = await server.sample(true);
    const ratio = after.rss / before.rss;
    log(
      `${dialect}: after the load and a forced GC, RSS ${(after.rss / MB).toFixed(1)} MB, anon ${(after.rssAnon / MB).toFixed(1)}, heap ${(after.heapUsed / MB).toFixed(1)} of ${(after.heapTotal / MB).toFixed(1)}, external ${(after.external / MB).toFixed(1)}, resident anonymous before → after: main arena ${(before.mainArena / MB).toFixed(1)} → ${(after.mainArena / MB).toFixed(1)}, thread arenas ${(before.threadArenas / MB).toFixed(1)} → ${(after.threadArenas / MB).toFixed(1)}, other ${(before.otherAnon / MB).toFixed(1)} → ${(after.otherAnon / MB).toFixed(1)} (${((ratio - 1) * 100).toFixed(1)} % against before), hub ${JSON.stringify(after.hub)}`,
    );
    return {
      dialect,
      start,
      before,
      after,
      samples,
      counts,
      pass:
        ratio <= 1 + RSS_TOLERANCE && after.hub.subscribers === 0 && after.hub.reads === 0 && after.hub.retries === 0,
    };
  } finally {
    await server.stop();
  }
}

export async function run(args) {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    log(
      'npm run bench -- soak [--duration 180] [--interval 15] [--warmup 20] [--streams 100] [--pollers 20] [--rate 20] [--seed 20000] [--gc-each] [--no-write]',
    );
    log('environment: JOBLINE_BENCH_DATABASE_URL runs on PostgreSQL instead of SQLite');
    return;
  }
  const o = {
    duration: Number(values.duration),
    interval: Number(values.interval),
    warmup: Number(values.warmup),
    streams: Number(values.streams),
    pollers: Number(values.pollers),
    rate: Number(values.rate),
    gcEach: values['gc-each'],
    seed: Number(values.seed),
  };
  const databaseUrl = process.env.JOBLINE_BENCH_DATABASE_URL || undefined;
  const dialect = databaseUrl === undefined ? 'sqlite' : 'postgres';
  const arenas = process.env.MALLOC_ARENA_MAX || undefined;
  const r = await soak(dialect, databaseUrl, o);
  const host = machine();
  const mb = (n) => `${(n / MB).toFixed(1)} MB`;
  const summary = [
    `## Soak: streams, long polls and jobs for ${Math.round(o.duration / 60)} minutes on ${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${arenas === undefined ? '' : `, MALLOC_ARENA_MAX=${arenas}`}`,
    '',
    `\`${arenas === undefined ? '' : `MALLOC_ARENA_MAX=${arenas} `}${dialect === 'sqlite' ? '' : 'JOBLINE_BENCH_DATABASE_URL=postgres://… '}npm run bench -- soak\`: \`jobline serve\` (startServer with its worker, in a child process started with --expose-gc) while ${o.streams} clients open a Server-Sent Events stream (the workspace feed or a recent job's events), cut it after 0.2 to 2 s and open the next, ${o.pollers} clients long-poll a recent job (\`?wait=2\`), and one creates ${o.rate} jobs a second in batches of ten that the worker runs (created, running, progress, succeeded). The server reports its memory and event-loop delay (since the previous row) every ${o.interval} s. "Before" and "after" are taken with the load stopped, after a forced collection, once RSS stops falling (V8 returns the pages a collection freed from a background task, after \`gc()\` returns). Pass: RSS after within ${RSS_TOLERANCE * 100} % of RSS before, and the event hub holding no subscriber, read or retry.`,
    '',
    `${o.seed.toLocaleString('en')} jobs of a type no worker runs created first, then ${o.duration} s after ${o.warmup} s of warm-up: ${r.counts.streams.toLocaleString('en')} streams opened and cut, ${r.counts.polls.toLocaleString('en')} long polls, ${r.counts.created.toLocaleString('en')} jobs created and run, ${r.counts.errors} client errors.`,
    '',
    '| time | RSS | anonymous | file-backed | heap used | heap reserved | glibc main arena | loop delay p50 | p99 | max | subscribers |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| before (forced GC) | ${mb(r.before.rss)} | ${mb(r.before.rssAnon)} | ${mb(r.before.rssFile)} | ${mb(r.before.heapUsed)} | ${mb(r.before.heapTotal)} | ${mb(r.before.mainArena)} | | | | ${r.before.hub.subscribers} |`,
    ...r.samples.map(
      (s) =>
        `| ${s.t} s | ${mb(s.rss)} | ${mb(s.rssAnon)} | ${mb(s.rssFile)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(s.mainArena)} | ${s.delay.p50.toFixed(1)} ms | ${s.delay.p99.toFixed(1)} ms | ${s.delay.max.toFixed(1)} ms | ${s.hub.subscribers} |`,
    ),
    `| after (forced GC) | ${mb(r.after.rss)} | ${mb(r.after.rssAnon)} | ${mb(r.after.rssFile)} | ${mb(r.after.heapUsed)} | ${mb(r.after.heapTotal)} | ${mb(r.after.mainArena)} | | | | ${r.after.hub.subscribers} |`,
    '',
    `Resident anonymous memory, before → after: glibc's main arena ${mb(r.before.mainArena)} → ${mb(r.after.mainArena)}, its thread arenas ${mb(r.before.threadArenas)} → ${mb(r.after.threadArenas)}, the rest (V8's heap and code, other mappings) ${mb(r.before.otherAnon)} → ${mb(r.after.otherAnon)}.`,
    '',
    `RSS after against before: ${((r.after.rss / r.before.rss - 1) * 100).toFixed(1)} % (limit ${RSS_TOLERANCE * 100} %); the hub holds ${JSON.stringify(r.after.hub)} after the load: **${r.pass ? 'pass' : 'fail'}**.`,
    `Machine: ${host.nproc} cores (${host.cpu}), Node ${host.node}, load average ${host.loadavg.map((l) => l.toFixed(2)).join(' ')} at the end.`,
  ].join('\n');
  log('');
  log(summary);
  // A run with glibc's arenas capped (MALLOC_ARENA_MAX, inherited by the server) gets a section of its own.
  if (!values['no-write'])
    log(`\nwrote ${writeSection(`soak-${dialect}${arenas === undefined ? '' : `-arenas-${arenas}`}`, summary)}`);
}
