// The queue benchmark's two phases in one process, for comparing engine builds quickly: inserts jobs
// with createJobs (batches of 1,000), then runs them with one Worker, and prints jobs/s with the CPU
// each phase cost per job in this process and in every PostgreSQL process (read from /proc, so the
// figure includes other users of the same server). CPU per job is steadier than jobs/s on a shared
// machine; alternate the builds you compare.
//
//   node bench/lib/queue-phases.mjs [--dist DIR] [--db pg|sqlite] [--jobs 20000] [--concurrency 32]
//                                   [--prefetch 0] [--claim-batch 100] [--time] [--keep] [--sql TEXT] [--wal] [--alloc]
// On PostgreSQL it also prints, as "own", the CPU of this run's own connections alone (found by their
// application_name), which other users of a shared server do not disturb; --wal adds the WAL of this
// run's transactions, read back with pg_walinspect (CREATE EXTENSION pg_walinspect in the database),
// per record type.
// --alloc also prints the bytes this process allocated per job in each phase, garbage included (V8's
// sampling heap profiler): unlike CPU time, the same on a busy machine as on a quiet one.
// --time also prints, per statement, how often it ran and its mean wall time; --keep leaves the
// PostgreSQL schema in place (its name is printed) for EXPLAIN and statistics. --sql runs statements on
// the SQLite writer (or in the run's PostgreSQL schema) after the migrations, to try a schema or
// setting variant (e.g. "DROP INDEX …", "PRAGMA temp_store = MEMORY") against the same build. On
// PostgreSQL each run starts with a CHECKPOINT. To compare variants, see bench/lib/phases-ab.mjs.
import { Session } from 'node:inspector/promises';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: a } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    db: { type: 'string', default: 'pg' },
    jobs: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    prefetch: { type: 'string', default: '0' },
    'claim-batch': { type: 'string', default: '100' },
    time: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    sql: { type: 'string', default: '' },
    wal: { type: 'boolean', default: false },
    alloc: { type: 'boolean', default: false },
  },
});
const dist = resolve(a.dist);
// A module's path in this build, or where older builds kept it.
const moved = (path, before) => (existsSync(`${dist}/${path}`) ? path : before);
const N = Number(a.jobs);
const BASE_URL = process.env.JOBLINE_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
// The run's own connections carry this name, so their CPU can be told from that of other users.
const APPLICATION = `bench_phases_${process.pid}`;
const URL = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}application_name=${APPLICATION}`;
const { defineJob } = await import(`${dist}/engine/define-job.js`);
const { Registry } = await import(`${dist}/${moved('core/registry.js', 'engine/registry.js')}`);
const { Worker } = await import(`${dist}/engine/worker.js`);
const { createServices } = await import(`${dist}/${moved('create-services.js', 'services/create.js')}`);
const { createJobs } = await import(`${dist}/${moved('services/job-creation.js', 'services/jobs.js')}`);
const { ensureWorkspace } = await import(`${dist}/services/tokens.js`);

/** CPU milliseconds used so far by every process named postgres, or by the given ones. */
function postgresCpuMs(pids) {
  let ticks = 0;
  for (const pid of pids ?? readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10; // 100 ticks per second on Linux
}

const schema = `bench_phases_${process.pid}`;
const dataDir = a.db === 'sqlite' ? mkdtempSync(join(tmpdir(), 'jobline-phases-')) : undefined;
let done = 0;
let allDone;
const finished = new Promise((r) => (allDone = r));
const noop = defineJob({ type: 'noop', run: () => (++done === N && allDone(), null) });
const services = await createServices({
  ...(a.db === 'pg' ? { databaseUrl: URL, schema } : { dataDir }),
  registry: new Registry([noop]),
});

const statements = new Map();
const note = (sql, ms) => {
  const key = sql.replace(/\s+/g, ' ').slice(0, 70);
  const s = statements.get(key) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += ms;
  statements.set(key, s);
};
if (a.time && a.db === 'pg') {
  const pool = services.store.raw.pool;
  const query = pool.query.bind(pool);
  pool.query = (...args) => {
    const t = performance.now();
    const result = query(...args);
    const q = args[0];
    result?.then?.(
      () => note(typeof q === 'string' ? q : (q.name ?? q.text), performance.now() - t),
      () => undefined,
    );
    return result;
  };
}
if (a.time && a.db === 'sqlite') {
  const proto = Object.getPrototypeOf(services.store.raw.db.prepare('SELECT 1'));
  for (const m of ['all', 'run', 'get']) {
    const original = proto[m];
    proto[m] = function (...args) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        note(this.source, performance.now() - t);
      }
    };
  }
}

if (a.sql !== '' && a.db === 'sqlite') services.store.raw.db.exec(a.sql);
else if (a.sql !== '') await services.store.raw.pool.query(a.sql); // the pool's search_path is the run's schema
// Every PostgreSQL run starts right after a checkpoint, so each has the same full-page writes to make.
if (a.db === 'pg') await services.store.raw.pool.query('CHECKPOINT');
const workspaceId = await ensureWorkspace(services.store.db, 'bench', Date.now());
const principal = { tokenId: 'bench', workspaceId, scopes: ['admin'] };
/** Bytes of WAL PostgreSQL has written so far: unlike CPU time, the same on a busy machine as on a quiet one. */
async function walBytes() {
  if (a.db !== 'pg') return 0;
  const { rows } = await services.store.raw.pool.query(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS b`,
  );
  return Number(rows[0].b);
}
/**
 * The PostgreSQL backends of this run's connections, each with its CPU milliseconds so far: the pool's
 * and the LISTEN connection's (named for the schema, store/dialect/postgres-listener.ts), which reads
 * every NOTIFY the run's transactions make.
 */
async function ownBackends() {
  if (a.db !== 'pg') return new Map();
  const { rows } = await services.store.raw.pool.query(
    'SELECT pid::text FROM pg_stat_activity WHERE application_name IN ($1, $2)',
    [APPLICATION, `jobline listener ${schema}`],
  );
  return new Map(rows.map((r) => [r.pid, postgresCpuMs([r.pid])]));
}
/** Bytes of WAL between two positions in records of this run's relations or its transactions (pg_walinspect). */
async function ownWal(from, to) {
  // pg_walinspect reads only WAL already flushed, and the claim commits without waiting for the flush.
  for (;;) {
    const { rows } = await services.store.raw.pool.query('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed', [
      to,
    ]);
    if (rows[0].flushed) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const { rows } = await services.store.raw.pool.query(
    `WITH r AS (SELECT * FROM public.pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
       rels AS (SELECT c.relfilenode::text AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $3 AND c.relfilenode <> 0),
       own AS (SELECT DISTINCT r.xid FROM r JOIN rels ON rels.node = substring(r.block_ref FROM 'rel \\d+/\\d+/(\\d+)')
         WHERE r.xid <> 0)
     SELECT resource_manager || ' ' || split_part(record_type, ' ', 1) AS kind, count(*)::int AS n,
       sum(record_length)::bigint AS bytes, sum(fpi_length)::bigint AS fpi
     FROM r WHERE r.xid IN (SELECT xid FROM own) GROUP BY 1 ORDER BY 3 DESC`,
    [from, to, schema],
  );
  return rows;
}
async function lsn() {
  if (a.db !== 'pg') return '0/0';
  const { rows } = await services.store.raw.pool.query('SELECT pg_current_wal_lsn()::text AS l');
  return rows[0].l;
}
/** The heap profiler, when --alloc asks for allocated bytes per phase. */
const heap = a.alloc ? new Session() : undefined;
if (heap !== undefined) {
  heap.connect();
  await heap.post('HeapProfiler.enable');
}
/** Bytes sampled in a heap profile's tree: every allocation, collected or not, at the sampling rate. */
const sampledBytes = (node) => node.selfSize + node.children.reduce((sum, c) => sum + sampledBytes(c), 0);
async function phase(label, fn) {
  await heap?.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const cpu0 = process.cpuUsage();
  const pg0 = postgresCpuMs();
  const own0 = await ownBackends();
  const lsn0 = await lsn();
  const wal0 = await walBytes();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const pgMs = postgresCpuMs() - pg0;
  if (heap !== undefined) {
    const { profile } = await heap.post('HeapProfiler.stopSampling');
    console.log(`alloc ${label.trim()}: ${Math.round(sampledBytes(profile.head) / N)} bytes/job`);
  }
  const wal = a.db === 'pg' ? `, WAL ${Math.round(((await walBytes()) - wal0) / N)} bytes/job` : '';
  if (a.db === 'pg') {
    const own1 = await ownBackends();
    let ownMs = 0;
    for (const [pid, ms] of own1) ownMs += ms - (own0.get(pid) ?? 0);
    const kinds = a.wal ? await ownWal(lsn0, await lsn()) : [];
    const ownWalBytes = kinds.reduce((sum, k) => sum + Number(k.bytes), 0);
    console.log(
      `own ${label.trim()}: PostgreSQL ${Math.round((ownMs * 1000) / N)} µs/job${a.wal ? `, WAL ${Math.round(ownWalBytes / N)} bytes/job` : ''}`,
    );
    for (const k of kinds)
      console.log(
        `  ${k.kind.padEnd(28)} ${(k.n / N).toFixed(2)} rec/job ${Math.round(Number(k.bytes) / N)} B/job (FPI ${Math.round(Number(k.fpi) / N)})`,
      );
  }
  console.log(
    `${label}: ${Math.round((N / ms) * 1000)} jobs/s, Node.js ${((cpu.user + cpu.system) / N).toFixed(1)} µs/job, PostgreSQL ${Math.round((pgMs * 1000) / N)} µs/job${wal}`,
  );
}
await phase('insert ', async () => {
  for (let i = 0; i < N; i += 1000)
    await createJobs(
      services,
      principal,
      Array.from({ length: Math.min(1000, N - i) }, () => ({ type: 'noop' })),
    );
});
const worker = new Worker(services, {
  concurrency: Number(a.concurrency),
  prefetch: Number(a.prefetch),
  batchSize: Number(a['claim-batch']),
});
await phase('process', async () => {
  worker.start();
  await finished;
  await worker.stop(5000);
});
for (const [sql, s] of [...statements].sort((x, y) => y[1].ms - x[1].ms))
  console.log(`${s.n}× ${(s.ms / s.n).toFixed(2)} ms  ${sql}`);
await services.store.close();
if (a.db === 'pg' && a.keep) console.log(`kept schema ${schema}`);
else if (a.db === 'pg') {
  const client = new pg.Client(URL);
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}
if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
