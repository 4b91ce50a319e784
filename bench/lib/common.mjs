// Helpers shared by benchmarks: the load-generator child, machine facts, docs/benchmarks.md sections.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { latencySummary } from './latency.mjs';

/**
 * Starts `processes` autocannon children (connections are split among them); `run(job)` resolves with
 * their figures added up and the server process's CPU use. One generator process is one event loop:
 * when it is busy for most of a core, or costs about as much CPU per request as the server, the
 * figure measures the generator, not the server (see `generatorBound`).
 */
export function startLoadGenerator(processes = 1) {
  const children = Array.from({ length: processes }, () =>
    fork(new URL('./load-worker.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const waiting = new Map();
  let next = 0;
  for (const child of children) {
    child.on('message', (msg) => {
      const w = waiting.get(msg.id);
      if (w === undefined) return;
      if (msg.measuring) {
        w.cpu ??= process.cpuUsage(); // the first child to start measuring starts the server's clock
        return;
      }
      if (msg.error !== undefined) w.errors.push(msg.error);
      else w.results.push(msg.result);
      if (w.results.length + w.errors.length === children.length) {
        waiting.delete(msg.id);
        if (w.errors.length > 0) w.reject(new Error(w.errors.join('\n')));
        else w.resolve(w.results);
      }
    });
    child.on('exit', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`load generator exited with ${code}`));
      waiting.clear();
    });
  }
  return {
    processes,
    /**
     * Runs warm-up then measurement. Adds this (the server's) process's CPU use over the measured part:
     * `serverCpu` as a share of one core, `serverCpuPerRequest` in microseconds, which contention on a
     * shared machine disturbs far less than requests per second; and the generators' own
     * (`clientCpu` in cores, `clientCpuMax` of the busiest process, `clientCpuPerRequest`).
     */
    async run(job) {
      const id = next++;
      const entry = { results: [], errors: [] };
      const results = await new Promise((resolve, reject) => {
        Object.assign(entry, { resolve, reject });
        waiting.set(id, entry);
        children.forEach((child, i) => {
          const connections = Math.floor(job.connections / processes) + (i < job.connections % processes ? 1 : 0);
          child.send({ ...job, id, connections });
        });
      });
      const used = process.cpuUsage(entry.cpu);
      const cpuMs = (used.user + used.system) / 1000;
      const sum = (f) => results.reduce((a, r) => a + f(r), 0);
      const requests = sum((r) => r.requests);
      const wallMs = Math.max(...results.map((r) => r.wallMs));
      const clientCpuMs = sum((r) => r.cpuMs);
      return {
        requests,
        rps: sum((r) => r.requests / (r.wallMs / 1000)),
        latency: latencySummary(results.map((r) => r.buckets)),
        bytesPerResponse: sum((r) => r.bytes) / Math.max(1, requests),
        non2xx: sum((r) => r.non2xx),
        errors: sum((r) => r.errors),
        timeouts: sum((r) => r.timeouts),
        wallMs,
        clientCpu: clientCpuMs / wallMs,
        clientCpuMax: Math.max(...results.map((r) => r.cpuMs / r.wallMs)),
        clientCpuPerRequest: (clientCpuMs * 1000) / Math.max(1, requests),
        serverCpu: cpuMs / wallMs,
        serverCpuPerRequest: (cpuMs * 1000) / Math.max(1, requests),
      };
    },
    close() {
      for (const child of children) {
        child.disconnect();
        child.kill();
      }
    },
  };
}

/**
 * Why a run's figure may be the load generator's limit rather than the server's, or undefined when it
 * is not: a generator process near a full core, or generators that spend at least as much CPU per
 * request as the server does (on a machine whose cores are all busy, each side gets about the same
 * share of CPU, so the side that costs more per request sets the pace).
 */
export function generatorBound(run) {
  if (run.clientCpuMax >= 0.85)
    return `a load-generator process used ${Math.round(run.clientCpuMax * 100)} % of a core`;
  if (run.clientCpuPerRequest >= run.serverCpuPerRequest)
    return `the load generator spent ${Math.round(run.clientCpuPerRequest)} µs of CPU per request, the server ${Math.round(run.serverCpuPerRequest)} µs`;
  return undefined;
}

export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    nproc: os.availableParallelism(),
    cpu,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg(),
  };
}

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

const DOC = new URL('../../docs/benchmarks.md', import.meta.url);
const HEADER = `# Benchmarks

Measured figures and how to reproduce them. Each section between \`<!-- bench:NAME:start -->\` and
\`<!-- bench:NAME:end -->\` is written by \`npm run bench -- NAME\`; edit the benchmark, not the section.
`;

/** Replaces (or appends) the section of docs/benchmarks.md between this benchmark's markers. */
export function writeSection(name, markdown) {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const body = `${start}\n${markdown.trim()}\n${end}`;
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i !== -1 && j > i) doc = doc.slice(0, i) + body + doc.slice(j + end.length);
  else doc = `${doc.trimEnd()}\n\n${body}\n`;
  writeFileSync(DOC, doc);
  return DOC.pathname;
}

/**
 * req/s of autocannon's own command line, a process of its own with one fixed path, against `url`:
 * the yardstick for what a route answers when the generator has the least work per request.
 */
export async function cliRequestsPerSecond({ url, path, connections, duration, headers }) {
  const { execFile } = await import('node:child_process');
  const cli = new URL('../../node_modules/autocannon/autocannon.js', import.meta.url);
  const args = [cli.pathname, '-j', '-c', String(connections), '-d', String(duration)];
  for (const [k, v] of Object.entries(headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(`${url}${path}`);
  const stdout = await new Promise((resolve, reject) =>
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const r = JSON.parse(stdout);
  return r.requests.total / r.duration;
}
