// Helpers shared by benchmarks: the load-generator child, machine facts, docs/benchmarks.md sections.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';

/** Starts the autocannon child; `run(job)` resolves with its figures and the server process's CPU use. */
export function startLoadGenerator() {
  const child = fork(new URL('./load-worker.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let next = 0;
  child.on('message', (msg) => {
    const w = waiting.get(msg.id);
    if (w === undefined) return;
    if (msg.measuring) {
      w.cpu = process.cpuUsage();
      return;
    }
    waiting.delete(msg.id);
    if (msg.error !== undefined) w.reject(new Error(msg.error));
    else w.resolve(msg.result);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`load generator exited with ${code}`));
    waiting.clear();
  });
  return {
    /**
     * Runs warm-up then measurement. Adds this (the server's) process's CPU use over the measured part:
     * `serverCpu` as a share of one core, `serverCpuPerRequest` in microseconds, which contention on a
     * shared machine disturbs far less than requests per second.
     */
    async run(job) {
      const id = next++;
      const entry = {};
      const result = await new Promise((resolve, reject) => {
        Object.assign(entry, { resolve, reject });
        waiting.set(id, entry);
        child.send({ ...job, id });
      });
      const used = process.cpuUsage(entry.cpu);
      const cpuMs = (used.user + used.system) / 1000;
      return { ...result, serverCpu: cpuMs / result.wallMs, serverCpuPerRequest: (cpuMs * 1000) / result.requests };
    },
    close() {
      child.disconnect();
      child.kill();
    },
  };
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
