// Child process of bench/soak.mjs: `jobline serve` as startServer runs it (in-process worker and
// webhooks included), started with --expose-gc so the parent can force a collection, and answering
// the parent's requests for its memory, event-loop delay and what the event hub holds.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { scratchDatabase } from './scratch-database.mjs';
import { serveConfig } from '../../dist/config/serve-config.js';
import { startServer } from '../../dist/server.js';

const JOBS = new URL('./soak-jobs.mjs', import.meta.url).pathname;

async function start(databaseUrl) {
  const scratch = await scratchDatabase(databaseUrl, 'soak');
  const config = serveConfig(
    { port: '0', data: scratch.dataDir, databaseUrl: scratch.databaseUrl, jobs: [JOBS] },
    { JOBLINE_RATE_LIMIT: '0', JOBLINE_LOG_LEVEL: 'warn' },
  );
  let printed = '';
  const server = await startServer(config, (line) => (printed += line));
  const token = /jl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(printed)[0];
  return {
    server,
    token,
    async close() {
      await server.close();
      await scratch.drop();
    },
  };
}

function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    rssAnon: kib('RssAnon'),
    rssFile: kib('RssFile'),
    ...anonymousByRegion(),
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
  };
}

/**
 * Resident anonymous memory split by where it lives: glibc's main arena (`[heap]`), mappings of
 * exactly one glibc thread arena's reservation (64 MiB, aligned), and every other anonymous mapping
 * (V8's heap and code, other mmap'd blocks).
 */
function anonymousByRegion() {
  const out = { mainArena: 0, threadArenas: 0, otherAnon: 0 };
  let region;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head !== null) {
      const [, from, to, inode, name] = head;
      const size = Number(BigInt(`0x${to}`) - BigInt(`0x${from}`));
      if (name === '[heap]') region = 'mainArena';
      else if (inode !== '0' || name !== '') region = undefined;
      else
        region =
          size <= 64 * 2 ** 20 && BigInt(`0x${from}`) % BigInt(64 * 2 ** 20) === 0n ? 'threadArenas' : 'otherAnon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && region !== undefined) out[region] += Number(rss[1]) * 1024;
  }
  return out;
}

/**
 * Waits until RSS stops falling: V8 hands the pages a collection freed back to the system from a
 * background task, after gc() has returned, so a reading taken at once counts memory already let go.
 */
async function settled() {
  await new Promise((r) => setTimeout(r, 2000));
  let last = process.memoryUsage().rss;
  for (let waited = 0; waited < 10_000; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    const now = process.memoryUsage().rss;
    if (now > last * 0.99) return;
    last = now;
  }
}

let running;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'start') {
      running = await start(msg.databaseUrl);
      process.send({ cmd: 'started', url: running.server.url, token: running.token });
    } else if (msg.cmd === 'sample') {
      if (msg.gc) {
        // Twice: the first collection's finalizers free more for the second.
        global.gc();
        await new Promise((r) => setImmediate(r));
        global.gc();
        await settled();
      }
      const ms = (ns) => ns / 1e6;
      const sample = {
        ...memory(),
        delay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        hub: running.server.services.hub.activity(),
      };
      delay.reset();
      process.send({ cmd: 'sample', id: msg.id, sample });
    } else if (msg.cmd === 'stop') {
      await running.close();
      process.send({ cmd: 'stopped' });
    }
  } catch (error) {
    process.send({ cmd: 'error', message: String(error?.stack ?? error) });
  }
});
