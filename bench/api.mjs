// API benchmark: GET /v1/jobs/{id} against a database of 1,000,000 jobs next to a bare Fastify route,
// and the first versus the 1,000th page of a filtered list. Runs against the build in dist/
// (`npm run bench -- api` builds first) and writes its section of docs/benchmarks.md.
//
//   npm run bench -- api [--rounds 3] [--duration 10] [--warmup 3] [--connections 50]
//                        [--wide-connections 200] [--generators 1] [--jobs 1000000] [--pg-jobs 1000000]
//                        [--compare other-dist/] [--skip-lists] [--reseed] [--no-write]
//   JOBLINE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- api
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../dist/app.js';
import { createServices } from '../dist/create-services.js';
import { createToken, ensureWorkspace } from '../dist/services/tokens.js';
import { loadMigrations } from '../dist/store/migrations.js';
import {
  cliRequestsPerSecond,
  generatorBound,
  machine,
  median,
  percentile,
  startLoadGenerator,
  writeSection,
} from './lib/common.mjs';

export const description = 'GET /v1/jobs/{id} on 1M jobs vs a bare Fastify route; list page 1 vs page 1,000';

const OPTIONS = {
  rounds: { type: 'string', default: '3' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  connections: { type: 'string', default: '50' },
  /** The second load on PostgreSQL: this many connections, each polling its own sample of the 10,000 jobs. */
  'wide-connections': { type: 'string', default: '200' },
  /** Load-generator processes; the connections are split among them. */
  generators: { type: 'string', default: '1' },
  jobs: { type: 'string', default: '1000000' },
  'pg-jobs': { type: 'string', default: '1000000' },
  'list-samples': { type: 'string', default: '50' },
  reseed: { type: 'boolean', default: false },
  /** No list measurements (for quick comparisons of GETs). */
  'skip-lists': { type: 'boolean', default: false },
  'no-write': { type: 'boolean', default: false },
  /** Only one GET run (see --profile-target), under the V8 CPU profiler, written to this .cpuprofile file. */
  profile: { type: 'string' },
  /** Which server --profile samples: sqlite (Jobline) or bare (the bare Fastify route, for comparison). */
  'profile-target': { type: 'string', default: 'sqlite' },
  /**
   * Another build's output directory (a copy of dist/ from other code): its server joins the GET runs
   * on both databases as one more target on the same data, alternating with this build's, for A/B
   * comparisons (before and after a change).
   */
  compare: { type: 'string' },
  help: { type: 'boolean', default: false },
};

// Bump when the seeded data changes shape, so a cached database is rebuilt.
const SEED_VERSION = 3;
const RATIO_GOAL = 0.8;
const PG_RATIO_GOAL = 0.5;
const P99_GOAL_MS = 10;
const LIST_GOAL = 2;
const LIST_QUERY = 'status=succeeded&type=export&page_size=50';
const LIST_PAGE = 1000;

// ---------------------------------------------------------------------------------------------------
// Seed data: four workspaces of different sizes, four projects each (a fifth of the jobs have none),
// four job types, and statuses as a long-running service has them: mostly finished, a few in flight.

const WORKSPACES = [
  { name: 'acme', share: 0.6 },
  { name: 'globex', share: 0.25 },
  { name: 'initech', share: 0.1 },
  { name: 'umbrella', share: 0.05 },
];
const PROJECTS_PER_WORKSPACE = 4;
const TYPES = [
  { name: 'export', share: 0.35 },
  { name: 'import', share: 0.3 },
  { name: 'translate', share: 0.2 },
  { name: 'duplicate', share: 0.15 },
];
const FINISHED = [
  { name: 'succeeded', share: 0.85 },
  { name: 'failed', share: 0.09 },
  { name: 'cancelled', share: 0.06 },
];
const IN_FLIGHT = [
  { name: 'pending', share: 0.55 },
  { name: 'running', share: 0.4 },
  { name: 'cancelling', share: 0.05 },
];
/** The newest 0.5 % of jobs are still pending or running. */
const IN_FLIGHT_SHARE = 0.005;
const SPAN_MS = 180 * 24 * 3600 * 1000;

/** Small deterministic PRNG (mulberry32), so every seed has the same distribution. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(random, choices) {
  let r = random();
  for (const c of choices) {
    if (r < c.share) return c.name;
    r -= c.share;
  }
  return choices.at(-1).name;
}

/** UUIDv7 for a given millisecond; `seq` (12 bits) keeps ids from the same millisecond ordered. */
function uuidv7At(ms, seq) {
  const b = randomBytes(16);
  b[0] = (ms / 2 ** 40) & 0xff;
  b[1] = (ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((seq >>> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function inputFor(type, i) {
  switch (type) {
    case 'export':
      return {
        format: i % 3 === 0 ? 'csv' : 'jsonl',
        query: { collection: `orders-${i % 17}`, since: '2025-01-01' },
        compress: true,
      };
    case 'import':
      return { source: `s3://uploads/batch-${i}.jsonl`, mode: 'upsert' };
    case 'translate':
      return { document_id: `doc-${i}`, source_locale: 'en', target_locales: ['de', 'fr', 'ja'] };
    default:
      return { source_project: `proj-${i % 31}`, include_history: false };
  }
}

/** One job row as the store writes it, for seeding both databases from the same generator. */
function* generateJobs(n, workspaces, start) {
  const random = prng(42);
  const step = SPAN_MS / n;
  const counters = new Map(); // project id or workspace id -> last number
  let lastMs = -1;
  let seq = 0;
  for (let i = 0; i < n; i++) {
    const createdAt = Math.floor(start + i * step);
    if (createdAt === lastMs) seq++;
    else {
      lastMs = createdAt;
      seq = 0;
    }
    const ws = workspaces[pickIndex(random(), WORKSPACES)];
    const projectId = random() < 0.2 ? null : ws.projects[Math.floor(random() * ws.projects.length)];
    const counterKey = projectId ?? ws.id;
    const number = (counters.get(counterKey) ?? 0) + 1;
    counters.set(counterKey, number);
    const type = pick(random, TYPES);
    const inFlight = i >= n * (1 - IN_FLIGHT_SHARE);
    const status = pick(random, inFlight ? IN_FLIGHT : FINISHED);
    const startedAt = status === 'pending' ? null : createdAt + Math.floor(random() * 30_000);
    const completedAt = inFlight ? null : startedAt + 1000 + Math.floor(random() * 600_000);
    const row = {
      id: uuidv7At(createdAt, seq),
      workspace_id: ws.id,
      project_id: projectId,
      number,
      type,
      name: random() < 0.5 ? `Nightly ${type} ${i % 97}` : null,
      executor: 'worker',
      status,
      status_reason: null,
      priority: random() < 0.1 ? 10 : 0,
      input: JSON.stringify(inputFor(type, i)),
      output: null,
      error: null,
      progress: 0,
      progress_message: null,
      attempts: 0,
      max_attempts: 3,
      run_at: createdAt,
      timeout_ms: random() < 0.3 ? 3_600_000 : null,
      lease_owner: null,
      lease_expires_at: null,
      created_at: createdAt,
      started_at: startedAt,
      completed_at: completedAt,
      updated_at: completedAt ?? startedAt ?? createdAt,
      version: 1,
    };
    switch (status) {
      case 'succeeded':
        Object.assign(row, { status_reason: 'completed', progress: 1, attempts: 1, version: 3 });
        row.output = JSON.stringify({
          url: `https://files.example.com/${type}/${row.id}.jsonl.gz`,
          rows: Math.floor(random() * 100_000),
          bytes: Math.floor(random() * 5e7),
        });
        break;
      case 'failed':
        Object.assign(row, { status_reason: 'attempts_exhausted', attempts: 3, version: 7, progress: 0.25 });
        row.error = JSON.stringify({
          message: 'The upstream service answered 503 three times.',
          code: 'upstream_unavailable',
        });
        break;
      case 'cancelled':
        Object.assign(row, { status_reason: 'cancelled_by_client', version: 2, started_at: null });
        break;
      case 'pending':
        Object.assign(row, { status_reason: 'queued' });
        break;
      case 'running':
        Object.assign(row, {
          status_reason: 'claimed',
          attempts: 1,
          version: 2,
          progress: 0.4,
          progress_message: 'Processing',
          lease_owner: 'worker-1',
          lease_expires_at: startedAt + 60_000,
        });
        break;
      case 'cancelling':
        Object.assign(row, {
          status_reason: 'cancel_requested',
          attempts: 1,
          version: 3,
          progress: 0.1,
          lease_owner: 'worker-2',
          lease_expires_at: startedAt + 60_000,
        });
        break;
    }
    yield row;
  }
  return counters;
}

function pickIndex(r, choices) {
  for (let i = 0; i < choices.length; i++) {
    if (r < choices[i].share) return i;
    r -= choices[i].share;
  }
  return choices.length - 1;
}

const COLUMNS = [
  'id',
  'workspace_id',
  'project_id',
  'number',
  'type',
  'name',
  'executor',
  'status',
  'status_reason',
  'priority',
  'input',
  'output',
  'error',
  'progress',
  'progress_message',
  'attempts',
  'max_attempts',
  'run_at',
  'timeout_ms',
  'lease_owner',
  'lease_expires_at',
  'created_at',
  'started_at',
  'completed_at',
  'updated_at',
  'version',
];

// One batch row per group of jobs created alike at one time, as the job inserts write them.
const SEED_CREATED_EVENTS = `
  INSERT INTO job_events (workspace_id, job_ids, project_id, job_type, seq, name, data, actor, created_at)
  SELECT workspace_id, json_group_array(id), project_id, type, 1, 'job.created',
    json_object('status', status, 'status_reason', status_reason), NULL, created_at
  FROM (SELECT * FROM jobs ORDER BY created_at, id)
  GROUP BY workspace_id, project_id, type, created_at, status, status_reason
  ORDER BY min(created_at)`;

/**
 * Finished attempts of the seeded jobs (one for a success, three for a failure), when the schema has an
 * attempt history; the same statement runs on both databases.
 */
const SEED_ATTEMPTS = `INSERT INTO job_attempts (job_id, number, worker, started_at, finished_at, outcome, error_message, error_code)
  SELECT j.id, n.n, 'worker-' || (j.number % 4 + 1), j.started_at + (n.n - 1) * 60000, j.started_at + (n.n - 1) * 60000 + 30000,
         CASE WHEN j.status = 'succeeded' THEN 'succeeded' ELSE 'failed' END,
         CASE WHEN j.status = 'failed' THEN 'The upstream service answered 503.' END,
         CASE WHEN j.status = 'failed' THEN 'upstream_unavailable' END
    FROM jobs j JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) n ON n.n <= j.attempts
   WHERE j.status IN ('succeeded', 'failed') AND j.started_at IS NOT NULL`;

/** The output file of every succeeded export, when the schema has files (ids and hashes are random). */
const SEED_FILES = {
  sqlite: `INSERT INTO files (id, workspace_id, job_id, role, name, content_type, size, sha256, created_at)
    SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
           workspace_id, id, 'output', 'export.jsonl.gz', 'application/gzip', 1000 + number % 100000, lower(hex(randomblob(32))), completed_at
      FROM (SELECT hex(randomblob(16)) AS h, * FROM jobs WHERE status = 'succeeded' AND type = 'export')`,
  postgres: `INSERT INTO files (id, workspace_id, job_id, role, name, content_type, size, sha256, created_at)
    SELECT gen_random_uuid(), workspace_id, id, 'output', 'export.jsonl.gz', 'application/gzip', 1000 + number % 100000, md5(random()::text) || md5(random()::text), completed_at
      FROM jobs WHERE status = 'succeeded' AND type = 'export'`,
};

/** Workspaces and projects through the service code, so their rows are exactly what the app writes. */
async function seedOwners(services, now) {
  const workspaces = [];
  for (const w of WORKSPACES) {
    const id = await ensureWorkspace(services.store.db, w.name, now);
    const projects = [];
    for (let p = 1; p <= PROJECTS_PER_WORKSPACE; p++) {
      const pid = uuidv7At(now, p);
      await services.store.db
        .insertInto('projects')
        .values({
          id: pid,
          workspace_id: id,
          number: p,
          name: `${w.name} project ${p}`,
          description: null,
          workflow_steps: '[]',
          created_at: now,
          updated_at: now,
        })
        .execute();
      projects.push(pid);
    }
    workspaces.push({ name: w.name, id, projects });
  }
  return workspaces;
}

function schemaFingerprint(dialect) {
  const h = createHash('sha256');
  for (const m of loadMigrations(dialect)) h.update(`${m.version}:${m.name}:${m.sql}\n`);
  return h.digest('hex').slice(0, 16);
}

/** Each migration's version and a hash of its text, so a cache can tell whether it only lacks newer ones. */
function migrationHashes(dialect) {
  return loadMigrations(dialect).map(
    (m) => `${m.version}:${createHash('sha256').update(m.sql).digest('hex').slice(0, 12)}`,
  );
}

/** The SQLite database: reused from the cache directory when its seed and schema match, else rebuilt. */
async function prepareSqlite(jobs, reseed, log) {
  const dataDir = join(os.tmpdir(), jobs === 1_000_000 ? 'jobline-bench-1m' : `jobline-bench-${jobs}`);
  const metaFile = join(dataDir, 'bench-meta.json');
  const want = {
    seedVersion: SEED_VERSION,
    schema: schemaFingerprint('sqlite'),
    migrations: migrationHashes('sqlite'),
    jobs,
  };
  let meta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    meta = undefined;
  }
  const reusable =
    !reseed &&
    meta !== undefined &&
    meta.seedVersion === want.seedVersion &&
    meta.schema === want.schema &&
    meta.jobs === want.jobs;
  if (reusable) {
    log(`reusing the seeded database in ${dataDir}`);
    return { dataDir, seedSeconds: meta.seedSeconds, reused: true };
  }
  // A cache that only lacks newer migrations is upgraded as a deployment's database would be, rather
  // than seeded again.
  const upgradable =
    !reseed &&
    meta?.seedVersion === want.seedVersion &&
    meta.jobs === want.jobs &&
    Array.isArray(meta.migrations) &&
    meta.migrations.every((m, i) => want.migrations[i] === m);
  if (upgradable) {
    log(`upgrading the seeded database in ${dataDir} to the current migrations …`);
    const started = performance.now();
    const services = await createServices({ dataDir });
    await services.store.close();
    const upgradeSeconds = (performance.now() - started) / 1000;
    writeFileSync(metaFile, JSON.stringify({ ...meta, ...want, upgradedAt: new Date().toISOString() }, null, 2));
    log(`upgraded in ${upgradeSeconds.toFixed(1)} s`);
    return { dataDir, seedSeconds: meta.seedSeconds, reused: true };
  }
  // Seed beside the cache and swap it in when complete, so that a run interrupted half-way, or another
  // run reading the old copy at the same time, never sees a partial database.
  const building = `${dataDir}.seeding-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`seeding ${jobs.toLocaleString('en')} jobs into ${dataDir} …`);
  const started = performance.now();
  const services = await createServices({ dataDir: building });
  try {
    const now = Date.now();
    const workspaces = await seedOwners(services, now);
    const db = services.store.raw.db;
    // Only for the seed: nothing here needs to survive a power cut, the file is rebuilt if it is incomplete.
    db.pragma('synchronous = OFF');
    const ROWS = 100; // rows per INSERT statement: fewer calls into SQLite than one row each
    const placeholders = `(${COLUMNS.map(() => '?').join(',')})`;
    const sql = (k) => `INSERT INTO jobs (${COLUMNS.join(',')}) VALUES ${Array(k).fill(placeholders).join(',')}`;
    const many = db.prepare(sql(ROWS));
    const flush = (batch) => {
      if (batch.length === ROWS) many.run(batch.flat());
      else if (batch.length > 0) db.prepare(sql(batch.length)).run(batch.flat());
    };
    const BATCH = 50_000; // rows per transaction
    const insertBatch = db.transaction((rows) => {
      for (let i = 0; i < rows.length; i += ROWS) flush(rows.slice(i, i + ROWS));
    });
    const gen = generateJobs(jobs, workspaces, now - SPAN_MS);
    let rows = [];
    let done = 0;
    let step = gen.next();
    while (!step.done) {
      rows.push(COLUMNS.map((c) => step.value[c]));
      if (rows.length === BATCH) {
        insertBatch(rows);
        done += rows.length;
        rows = [];
        if (done % 200_000 === 0) log(`  ${done.toLocaleString('en')} jobs`);
      }
      step = gen.next();
    }
    insertBatch(rows);
    const counters = step.value;
    const setCounters = db.transaction(() => {
      for (const w of workspaces) {
        db.prepare('UPDATE workspaces SET job_counter = ? WHERE id = ?').run(counters.get(w.id) ?? 0, w.id);
        for (const p of w.projects)
          db.prepare('UPDATE projects SET job_counter = ? WHERE id = ?').run(counters.get(p) ?? 0, p);
      }
    });
    setCounters();
    // From SQLite's migration 0030 the job inserts write the created events, no trigger: the seed,
    // inserted by hand, writes them as the inserts would have.
    if (
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'job_events_created'").get() ===
      undefined
    ) {
      log('  created events …');
      db.exec(SEED_CREATED_EVENTS);
    }
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_attempts'").get() !== undefined) {
      log('  attempt history …');
      db.exec(SEED_ATTEMPTS);
    }
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'").get() !== undefined) {
      log('  output files …');
      db.exec(SEED_FILES.sqlite);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await services.store.close();
  }
  const seedSeconds = (performance.now() - started) / 1000;
  writeFileSync(
    join(building, 'bench-meta.json'),
    JSON.stringify({ ...want, seedSeconds, seededAt: new Date().toISOString() }, null, 2),
  );
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(building, dataDir);
  log(`seeded in ${seedSeconds.toFixed(1)} s`);
  return { dataDir, seedSeconds, reused: false };
}

/** PostgreSQL: a schema of its own, filled by one INSERT … SELECT over generate_series; dropped by the caller. */
async function preparePostgres(url, jobs, log) {
  const schema = `bench_api_${process.pid}`;
  log(`seeding ${jobs.toLocaleString('en')} jobs into PostgreSQL schema ${schema} …`);
  const started = performance.now();
  const services = await createServices({ databaseUrl: url, schema });
  const now = Date.now();
  const workspaces = await seedOwners(services, now);
  const acme = workspaces[0];
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    // The same mix as the SQLite seed, computed in SQL: ids are UUIDv7 built from created_at.
    const wsIds = workspaces.map((w) => w.id);
    const projects = workspaces.map((w) => w.projects);
    await client.query(
      `INSERT INTO jobs (id, workspace_id, project_id, number, type, name, executor, status, status_reason, priority, input, output, error,
                         progress, attempts, max_attempts, run_at, created_at, started_at, completed_at, updated_at, version)
       SELECT (lpad(to_hex(t.ms), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
              w.id, CASE WHEN r.p < 0.2 THEN NULL ELSE ($3::uuid[])[w.k * ${PROJECTS_PER_WORKSPACE} + 1 + (g % ${PROJECTS_PER_WORKSPACE})] END,
              g, ty.name, CASE WHEN g % 2 = 0 THEN 'Nightly ' || ty.name || ' ' || (g % 97) ELSE NULL END, 'worker',
              st.name, st.reason, CASE WHEN r.p < 0.1 THEN 10 ELSE 0 END,
              jsonb_build_object('format', 'jsonl', 'source', 's3://uploads/batch-' || g || '.jsonl', 'mode', 'upsert'),
              CASE WHEN st.name = 'succeeded' THEN jsonb_build_object('url', 'https://files.example.com/' || g || '.jsonl.gz', 'rows', g % 100000) END,
              CASE WHEN st.name = 'failed' THEN jsonb_build_object('message', 'The upstream service answered 503 three times.', 'code', 'upstream_unavailable') END,
              CASE WHEN st.name = 'succeeded' THEN 1 ELSE 0 END, st.attempts, 3, t.ms, t.ms,
              CASE WHEN st.name IN ('pending', 'cancelled') THEN NULL ELSE t.ms + 1000 END,
              CASE WHEN st.name IN ('succeeded', 'failed', 'cancelled') THEN t.ms + 60000 END, t.ms + 60000, st.version
         FROM generate_series(1, $1::int) AS g
        CROSS JOIN LATERAL (SELECT $2::bigint + (g::bigint * ${SPAN_MS} / $1::int) AS ms, random() AS p, random() AS q, random() AS s, random() AS u) AS t
        CROSS JOIN LATERAL (SELECT t.p AS p) AS r
        CROSS JOIN LATERAL (SELECT CASE WHEN t.q < 0.6 THEN 0 WHEN t.q < 0.85 THEN 1 WHEN t.q < 0.95 THEN 2 ELSE 3 END AS k) AS wk
        CROSS JOIN LATERAL (SELECT ($4::text[])[wk.k + 1] AS id, wk.k AS k) AS w
        CROSS JOIN LATERAL (SELECT CASE WHEN t.s < 0.35 THEN 'export' WHEN t.s < 0.65 THEN 'import' WHEN t.s < 0.85 THEN 'translate' ELSE 'duplicate' END AS name) AS ty
        CROSS JOIN LATERAL (SELECT * FROM (VALUES
             ('succeeded', 'completed', 1, 3), ('failed', 'attempts_exhausted', 3, 7), ('cancelled', 'cancelled_by_client', 0, 2),
             ('pending', 'queued', 0, 1), ('running', 'claimed', 1, 2)) AS v(name, reason, attempts, version)
           WHERE v.name = CASE WHEN g > $1::int * ${1 - IN_FLIGHT_SHARE} THEN (CASE WHEN t.u < 0.55 THEN 'pending' ELSE 'running' END)
                               WHEN t.u < 0.85 THEN 'succeeded' WHEN t.u < 0.94 THEN 'failed' ELSE 'cancelled' END) AS st`,
      [jobs, now - SPAN_MS, projects.flat(), wsIds],
    );
    if ((await client.query("SELECT to_regclass('job_attempts') IS NOT NULL AS present")).rows[0].present) {
      await client.query(SEED_ATTEMPTS);
      await client.query('ANALYZE job_attempts');
    }
    if ((await client.query("SELECT to_regclass('files') IS NOT NULL AS present")).rows[0].present) {
      await client.query(SEED_FILES.postgres);
      await client.query('ANALYZE files');
    }
    await client.query('ANALYZE jobs');
  } finally {
    await client.end();
  }
  const seedSeconds = (performance.now() - started) / 1000;
  log(`seeded in ${seedSeconds.toFixed(1)} s`);
  return {
    services,
    acme,
    schema,
    seedSeconds,
    drop: async () => {
      await services.store.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Measurements

/** A route with nothing behind it, answering a constant job-shaped object for the same request. */
async function startBareServer(body) {
  const app = Fastify({ logger: false });
  app.get('/v1/jobs/:id', async () => body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${app.server.address().port}` };
}

async function startJobline(services, build = buildApp, options = {}) {
  const app = await build(services, { rateLimit: { limit: 0, windowSeconds: 60 }, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${app.server.address().port}` };
}

/** A server from another build of Jobline (--compare) on the same database (`{ dataDir }` or `{ databaseUrl, schema }`). */
async function startOtherBuild(dir, storeOptions) {
  // The first of these files that the other build has: modules moved between builds.
  const load = async (...files) => {
    const file = files.find((f) => existsSync(join(dir, f)));
    if (file === undefined) throw new Error(`${dir} has none of ${files.join(', ')}.`);
    return import(pathToFileURL(join(dir, file)).href);
  };
  const [{ buildApp: otherApp }, { createServices: otherServices }] = await Promise.all([
    load('app.js', 'http/app.js'),
    load('create-services.js', 'services/create.js'),
  ]);
  const services = await otherServices(storeOptions);
  const server = await startJobline(services, otherApp);
  return {
    url: server.url,
    close: async () => {
      await server.app.close();
      await services.store.close();
    },
  };
}

/** Of the GETs this server answered in compact JSON, the share served from a rendered copy (from /metrics). */
async function copiesServed(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (result) =>
    Number(new RegExp(`^jobline_rendered_job_reads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const [hits, misses] = [count('hit'), count('miss')];
  return { hits, misses, share: hits / Math.max(1, hits + misses) };
}

async function getJson(url, token) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Median (and spread) of `samples` sequential requests to one URL, after a few unmeasured ones. */
async function timeRequests(url, token, samples) {
  for (let i = 0; i < 5; i++) await getJson(url, token);
  const times = [];
  let items = 0;
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const body = await getJson(url, token);
    times.push(performance.now() - t);
    items = body.data.length;
  }
  return { median: median(times), p90: percentile(times, 90), min: Math.min(...times), items };
}

/** Page 1 and page LIST_PAGE of a filtered list, reached by following next_page_token. */
async function measureList(baseUrl, token, samples, log) {
  const base = `${baseUrl}/v1/jobs?${LIST_QUERY}`;
  const first = await timeRequests(base, token, samples);
  log(`  list page 1: median ${first.median.toFixed(2)} ms`);
  let next;
  const walk = [];
  let body = await getJson(base, token);
  for (let page = 2; page <= LIST_PAGE; page++) {
    next = body.next_page_token;
    if (next === undefined) throw new Error(`the list ends at page ${page - 1}; seed more jobs`);
    const t = performance.now();
    body = await getJson(`${base}&page_token=${encodeURIComponent(next)}`, token);
    walk.push(performance.now() - t);
  }
  const deep = await timeRequests(`${base}&page_token=${encodeURIComponent(next)}`, token, samples);
  log(`  list page ${LIST_PAGE}: median ${deep.median.toFixed(2)} ms`);
  return { first, deep, walkMedian: median(walk), ratio: deep.median / first.median };
}

/** The GET benchmark: rounds of (bare route, Jobline) alternately, each warm-up then measured. */
async function measureGet(load, targets, job, rounds, log) {
  const results = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let r = 1; r <= rounds; r++) {
    for (const t of targets) {
      const res = await load.run({ ...job, url: t.url });
      if (res.non2xx > 0 || res.errors > 0 || res.timeouts > 0) {
        throw new Error(`${t.key}: ${res.non2xx} non-2xx responses, ${res.errors} errors, ${res.timeouts} timeouts`);
      }
      results[t.key].push(res);
      log(
        `  round ${r} ${t.key.padEnd(8)} ${res.rps.toFixed(0).padStart(7)} req/s  p50 ${res.latency.p50.toFixed(2)} ms  p99 ${res.latency.p99.toFixed(2)} ms  server CPU ${(res.serverCpu * 100).toFixed(0)} % (${res.serverCpuPerRequest.toFixed(0)} µs/request)  client CPU ${(res.clientCpu * 100).toFixed(0)} % (${res.clientCpuPerRequest.toFixed(0)} µs/request)`,
      );
    }
  }
  return results;
}

/** The run whose req/s is the median of the rounds, so its latencies belong to the same run. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** One SQLite GET run with the V8 profiler on for the measured part only (the warm-up is unprofiled). */
async function profileGet(load, url, job, file, log) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await load.run({ ...job, url, duration: job.warmup });
  await session.post('Profiler.start');
  const res = await load.run({ ...job, url, warmup: 0 });
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  log(
    `profiled ${res.requests} requests (${res.rps.toFixed(0)} req/s, p99 ${res.latency.p99.toFixed(2)} ms) into ${file}; summarize with node bench/lib/profile-summary.mjs ${file}`,
  );
}

function sampleIds(db, workspaceId, count) {
  return db
    .prepare('SELECT id FROM jobs WHERE workspace_id = ? ORDER BY random() LIMIT ?')
    .pluck()
    .all(workspaceId, count);
}

// ---------------------------------------------------------------------------------------------------

export async function run(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  if (values.help) {
    process.stdout.write(
      `${description}\n\noptions: ${Object.keys(OPTIONS)
        .map((k) => `--${k}`)
        .join(' ')}\nenvironment: JOBLINE_BENCH_DATABASE_URL adds a PostgreSQL run\n`,
    );
    return;
  }
  const o = {
    rounds: Number(values.rounds),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    connections: Number(values.connections),
    wideConnections: Number(values['wide-connections']),
    generators: Number(values.generators),
    jobs: Number(values.jobs),
    pgJobs: Number(values['pg-jobs']),
    listSamples: Number(values['list-samples']),
  };
  const log = (line) => process.stdout.write(`${line}\n`);
  const host = machine();
  const pgUrl = process.env.JOBLINE_BENCH_DATABASE_URL || undefined;

  const seed = await prepareSqlite(o.jobs, values.reseed, log);
  const services = await createServices({ dataDir: seed.dataDir });
  const load = startLoadGenerator(o.generators);
  const closers = [() => load.close(), () => services.store.close()];
  try {
    const token = (await createToken(services, { workspace: 'acme', name: 'bench', scopes: ['jobs:read'] })).secret;
    const raw = services.store.raw.db;
    const acmeId = raw.prepare('SELECT id FROM workspaces WHERE name = ?').pluck().get('acme');
    const ids = sampleIds(raw, acmeId, 10_000);
    const sqliteVersion = raw.prepare('SELECT sqlite_version()').pluck().get();
    const dbBytes = raw
      .prepare('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()')
      .pluck()
      .get();
    const tableRows = (table) =>
      raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) === undefined
        ? undefined
        : raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    const extras = { attempts: tableRows('job_attempts'), files: tableRows('files') };
    const matching = raw
      .prepare("SELECT count(*) FROM jobs WHERE workspace_id = ? AND status = 'succeeded' AND type = 'export'")
      .pluck()
      .get(acmeId);

    const jobline = await startJobline(services);
    closers.unshift(() => jobline.app.close());
    // The bare route answers with a real job's representation, so both send the same bytes.
    const sample = await getJson(`${jobline.url}/v1/jobs/${ids[0]}`, token);
    const bare = await startBareServer(sample);
    closers.unshift(() => bare.app.close());

    const job = {
      connections: o.connections,
      duration: o.duration,
      warmup: o.warmup,
      headers: { authorization: `Bearer ${token}` },
      paths: ids.map((id) => `/v1/jobs/${id}`),
    };
    if (values.profile !== undefined) {
      await profileGet(load, values['profile-target'] === 'bare' ? bare.url : jobline.url, job, values.profile, log);
      return;
    }
    // The yardstick for the bare figure: autocannon's command line in a process of its own.
    const cli = await cliRequestsPerSecond({ ...job, url: bare.url, path: job.paths[0] });
    log(`bare route driven by autocannon's command line: ${cli.toFixed(0)} req/s`);
    // The same code with rendered copies off: every request reads and renders the job.
    const uncached = await startJobline(services, buildApp, { renderedJobBytes: 0 });
    closers.unshift(() => uncached.app.close());
    const targets = [
      { key: 'bare', url: bare.url },
      { key: 'sqlite', url: jobline.url },
      { key: 'uncached', url: uncached.url },
    ];
    if (values.compare !== undefined) {
      const other = await startOtherBuild(resolve(values.compare), { dataDir: seed.dataDir });
      closers.unshift(other.close);
      targets.push({ key: 'compare', url: other.url });
    }
    log(
      `GET /v1/jobs/{id}: ${o.rounds} round(s) of ${o.warmup} s warm-up + ${o.duration} s at ${o.connections} connections (${load.processes} generator process(es)), per target`,
    );
    const get = await measureGet(load, targets, job, o.rounds, log);
    const copies = await copiesServed(jobline.url);
    log(
      `rendered copies served for ${(copies.share * 100).toFixed(1)} % of the SQLite server's GETs (${copies.hits} of ${copies.hits + copies.misses})`,
    );
    for (const key of Object.keys(get).filter((k) => k !== 'bare')) log(`  ${key}: ${ratios(get, key)}`);
    log(`lists (${LIST_QUERY}, ${matching.toLocaleString('en')} matching jobs):`);
    const list = values['skip-lists'] ? undefined : await measureList(jobline.url, token, o.listSamples, log);

    let pgResult;
    if (pgUrl !== undefined) {
      const p = await preparePostgres(pgUrl, o.pgJobs, log);
      try {
        const pgToken = (await createToken(p.services, { workspace: 'acme', name: 'bench', scopes: ['jobs:read'] }))
          .secret;
        const { rows } = await p.services.store.raw.pool.query(
          'SELECT id::text AS id FROM jobs WHERE workspace_id = $1 ORDER BY random() LIMIT 10000',
          [p.acme.id],
        );
        const pgApp = await startJobline(p.services);
        const pgUncached = await startJobline(p.services, buildApp, { renderedJobBytes: 0 });
        const other =
          values.compare === undefined
            ? undefined
            : await startOtherBuild(resolve(values.compare), { databaseUrl: pgUrl, schema: p.schema });
        // How many of the pool's connections the server's reads hold at once (sampled): batched
        // reads need few.
        const pool = p.services.store.raw.pool;
        const poolUse = { inUse: 0 };
        const sampler = setInterval(() => {
          poolUse.inUse = Math.max(poolUse.inUse, pool.totalCount - pool.idleCount);
        }, 20);
        try {
          const pgJob = {
            ...job,
            headers: { authorization: `Bearer ${pgToken}` },
            paths: rows.map((r) => `/v1/jobs/${r.id}`),
          };
          const compare = other === undefined ? [] : [{ key: 'compare', url: other.url }];
          log(`GET /v1/jobs/{id} on PostgreSQL at ${o.connections} connections:`);
          const pgGet = await measureGet(
            load,
            [
              { key: 'bare', url: bare.url },
              { key: 'postgres', url: pgApp.url },
              { key: 'uncached', url: pgUncached.url },
              ...compare,
            ],
            pgJob,
            o.rounds,
            log,
          );
          for (const key of Object.keys(pgGet).filter((k) => k !== 'bare')) log(`  ${key}: ${ratios(pgGet, key)}`);
          log(`GET /v1/jobs/{id} on PostgreSQL at ${o.wideConnections} connections:`);
          const wide = await measureGet(
            load,
            [{ key: 'bare', url: bare.url }, { key: 'postgres', url: pgApp.url }, ...compare],
            { ...pgJob, connections: o.wideConnections },
            o.rounds,
            log,
          );
          for (const key of Object.keys(wide).filter((k) => k !== 'bare')) log(`  ${key}: ${ratios(wide, key)}`);
          log('lists on PostgreSQL:');
          const pgList = values['skip-lists'] ? undefined : await measureList(pgApp.url, pgToken, o.listSamples, log);
          const version = (await p.services.store.raw.pool.query('SHOW server_version')).rows[0].server_version.split(
            ' ',
          )[0];
          log(`PostgreSQL pool: at most ${poolUse.inUse} of ${pool.options.max} connections in use at once`);
          pgResult = {
            pool: { inUse: poolUse.inUse, max: pool.options.max },
            get: pgGet,
            wide,
            copies: await copiesServed(pgApp.url),
            list: pgList,
            seedSeconds: p.seedSeconds,
            version,
          };
        } finally {
          clearInterval(sampler);
          await other?.close();
          await pgUncached.app.close();
          await pgApp.app.close();
        }
      } finally {
        await p.drop();
      }
    }

    const result = { host, o, seed, sqliteVersion, dbBytes, matching, extras, get, cli, copies, list, pg: pgResult };
    const summary = report(result);
    log('');
    log(summary);
    if (!values['no-write']) log(`\nwrote ${writeSection('api', summary)}`);
  } finally {
    for (const close of closers) await close();
  }
}

/**
 * A target's throughput ratio to the bare route of the same rounds, only when the bare figure is the
 * route's and not the load generator's (otherwise a warning), and always the ratio of server CPU per
 * request, which does not depend on the generator.
 */
function ratios(get, key) {
  const bare = medianRun(get.bare);
  const run = medianRun(get[key]);
  const cpu = median(get.bare.map((x) => x.serverCpuPerRequest)) / median(get[key].map((x) => x.serverCpuPerRequest));
  const bound = bareBound(get);
  const throughput =
    bound === undefined
      ? `ratio ${(run.rps / bare.rps).toFixed(2)}`
      : `no throughput ratio: the bare figure is capped by the load generator (${bound})`;
  return `${throughput}; CPU ratio ${cpu.toFixed(2)} (bare route's server CPU per request / this one's)`;
}

/** Why the bare rounds measure the load generator, or undefined when none of them does. */
function bareBound(get) {
  for (const run of get.bare) {
    const why = generatorBound(run);
    if (why !== undefined) return why;
  }
  return undefined;
}

const fmt = (n, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n) => `${fmt(n, 2)} ms`;
const verdict = (ok) => (ok ? 'met' : '**missed**');

function report(r) {
  const { o, host } = r;
  const bare = medianRun(r.get.bare);
  const sqlite = medianRun(r.get.sqlite);
  const cpu = (runs) => fmt(median(runs.map((x) => x.serverCpuPerRequest)));
  const rounds = (runs) => runs.map((x) => fmt(x.rps)).join(' / ');
  /** A table row per target of one set of rounds, with its ratio to that set's bare route. */
  const rows = (get, labels, goals = {}) =>
    Object.keys(labels)
      .filter((key) => get[key] !== undefined)
      .map((key) => {
        const run = medianRun(get[key]);
        const bound = bareBound(get);
        const cpuRatio =
          median(get.bare.map((x) => x.serverCpuPerRequest)) / median(get[key].map((x) => x.serverCpuPerRequest));
        const ratio =
          key === 'bare'
            ? bound === undefined
              ? 'not capped by the load generator'
              : `**capped by the load generator** (${bound}): no throughput ratio`
            : bound === undefined
              ? `${fmt(run.rps / medianRun(get.bare).rps, 2)}`
              : '–';
        const goal = goals[key]?.(run, bound === undefined ? run.rps / medianRun(get.bare).rps : undefined) ?? '';
        return `| ${labels[key]} | ${fmt(run.rps)} | ${ms(run.latency.p50)} | ${ms(run.latency.p99)} | ${cpu(get[key])} µs | ${key === 'bare' ? ratio : `${ratio} | ${fmt(cpuRatio, 2)}`} | ${goal} |`;
      });
  const ratioGoal = (goal) => (run, ratio) =>
    `ratio ≥ ${goal}: ${ratio === undefined ? 'not measurable' : verdict(ratio >= goal)}; p99 < ${P99_GOAL_MS} ms: ${verdict(run.latency.p99 < P99_GOAL_MS)}`;
  const header = [
    '| | req/s | p50 | p99 | server CPU per request | ratio to bare (req/s) | ratio to bare (CPU per request) | goal |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  const lines = [
    '## API: GET one job, list deep pages',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on a ${host.nproc}-core machine shared with other work (load average ${host.loadavg.map((x) => fmt(x, 1)).join(' ')} at the start),`,
    `so req/s moves between rounds; compare within one set of rounds, and prefer the server CPU per request, which other load disturbs far less.`,
    `Each figure is the median of ${o.rounds} rounds. Reproduce with \`npm run bench -- api\` (add \`JOBLINE_BENCH_DATABASE_URL=postgres://…\` for PostgreSQL,`,
    `\`--compare <copy of another build's dist/>\` for a before/after).`,
    '',
    `### SQLite, ${fmt(o.jobs)} jobs, ${o.connections} connections`,
    '',
    ...header,
    ...rows(
      r.get,
      {
        bare: 'bare Fastify route',
        sqlite: '`GET /v1/jobs/{id}`',
        uncached: 'the same without rendered copies (`JOBLINE_JOB_CACHE_MB=0`)',
        compare: 'the compared build (before)',
      },
      { sqlite: ratioGoal(RATIO_GOAL) },
    ),
    '',
    `Rounds, req/s: bare ${rounds(r.get.bare)}; SQLite ${rounds(r.get.sqlite)}; without copies ${rounds(r.get.uncached)}` +
      (r.get.compare !== undefined ? `; compared build ${rounds(r.get.compare)}.` : '.') +
      ` The same bare route driven by autocannon's command line (a process of its own, one fixed path): ${fmt(r.cli)} req/s.`,
  ];
  if (r.pg !== undefined) {
    const pgLabels = {
      bare: 'bare Fastify route',
      postgres: '`GET /v1/jobs/{id}`',
      uncached: 'the same without rendered copies',
      compare: 'the compared build (before)',
    };
    lines.push(
      '',
      `### PostgreSQL ${r.pg.version}, ${fmt(o.pgJobs)} jobs, ${o.connections} connections`,
      '',
      ...header,
      ...rows(r.pg.get, pgLabels, { postgres: ratioGoal(PG_RATIO_GOAL), compare: ratioGoal(PG_RATIO_GOAL) }),
      '',
      `### PostgreSQL, ${o.wideConnections} connections, each polling its own sample of the 10,000 jobs`,
      '',
      ...header,
      ...rows(r.pg.wide, pgLabels),
      '',
      `Rounds, req/s at ${o.connections} connections: bare ${rounds(r.pg.get.bare)}; PostgreSQL ${rounds(r.pg.get.postgres)}; without copies ${rounds(r.pg.get.uncached)}` +
        (r.pg.get.compare !== undefined ? `; compared build ${rounds(r.pg.get.compare)}` : '') +
        `. At ${o.wideConnections}: bare ${rounds(r.pg.wide.bare)}; PostgreSQL ${rounds(r.pg.wide.postgres)}` +
        (r.pg.wide.compare !== undefined ? `; compared build ${rounds(r.pg.wide.compare)}.` : '.'),
    );
  }
  lines.push(
    '',
    `A rendered copy of the job's current version answered ${fmt(r.copies.share * 100, 1)} % of the SQLite server's GETs over all rounds (${fmt(r.copies.hits)} of ${fmt(r.copies.hits + r.copies.misses)}, warm-ups included)` +
      (r.pg !== undefined ? ` and ${fmt(r.pg.copies.share * 100, 1)} % of PostgreSQL's` : '') +
      `; every request still reads the job's version from the database, and the first request for each id reads and renders the job.` +
      ` Server CPU per request is the server process's (the database's own CPU not included).` +
      ` CPU during the median SQLite run: server process ${fmt(sqlite.serverCpu * 100)} % of a core, load generator ${fmt(sqlite.clientCpu * 100)} %` +
      ` (bare: ${fmt(bare.serverCpu * 100)} % / ${fmt(bare.clientCpu * 100)} %, ${fmt(bare.clientCpuPerRequest)} µs of generator CPU per request).`,
  );
  const listRows = (label, l) => [
    `| ${label} page 1 | ${ms(l.first.median)} | ${ms(l.first.p90)} | ${ms(l.first.min)} | |`,
    `| ${label} page ${fmt(LIST_PAGE)} | ${ms(l.deep.median)} | ${ms(l.deep.p90)} | ${ms(l.deep.min)} | ${fmt(l.ratio, 2)}× page 1, within ${LIST_GOAL}×: ${verdict(l.ratio <= LIST_GOAL)} |`,
  ];
  if (r.list !== undefined) {
    lines.push('', `| list \`?${LIST_QUERY}\` | median | p90 | min | goal |`, '|---|---:|---:|---:|---|');
    lines.push(...listRows('SQLite', r.list));
    if (r.pg?.list !== undefined) lines.push(...listRows('PostgreSQL', r.pg.list));
    lines.push(
      '',
      `Walking from page 2 to page ${fmt(LIST_PAGE)} by \`next_page_token\` took a median of ${ms(r.list.walkMedian)} per page on SQLite` +
        (r.pg?.list !== undefined ? ` and ${ms(r.pg.list.walkMedian)} on PostgreSQL.` : '.'),
    );
  } else lines.push('', 'Lists were not measured in this run (`--skip-lists`).');
  lines.push(
    '',
    '### Settings',
    '',
    `- Machine: ${host.nproc} cores (\`nproc\`), ${host.cpu}, ${fmt(host.memoryGiB, 1)} GiB memory, ${host.os}, Node.js ${host.node};` +
      ` load average at start ${host.loadavg.map((x) => fmt(x, 2)).join(' ')}.`,
    `- SQLite ${r.sqliteVersion} (better-sqlite3), WAL, \`synchronous = FULL\` as the server opens it; database ${fmt(r.dbBytes / 2 ** 20)} MiB,` +
      ` ${fmt(o.jobs)} jobs over 180 days in 4 workspaces (60/25/10/5 %), 4 projects each plus 20 % without a project,` +
      ` 4 types (export 35 %, import 30 %, translate 20 %, duplicate 15 %), 85 % succeeded / 9 % failed / 6 % cancelled and the newest 0.5 % pending or running` +
      (r.extras.attempts !== undefined
        ? `; ${fmt(r.extras.attempts)} attempt-history rows (one per success, three per failure)`
        : '') +
      (r.extras.files !== undefined ? `; ${fmt(r.extras.files)} output files (one per succeeded export)` : '') +
      '.' +
      ` ${r.seed.reused ? 'Reused from the cache' : 'Seeded in this run'} (seeding took ${fmt(r.seed.seedSeconds, 0)} s: batched multi-row INSERTs in 50,000-row transactions);` +
      ` cached under \`os.tmpdir()/jobline-bench-1m\`, upgraded when only newer migrations are missing and rebuilt when the seed or an applied migration changes. No \`ANALYZE\`, as a server has it.` +
      (r.pg !== undefined
        ? ` PostgreSQL ${r.pg.version}: the same mix in a schema of its own filled by one \`INSERT … SELECT generate_series\` (${fmt(r.pg.seedSeconds, 0)} s), \`ANALYZE\`d, dropped afterwards; pool of ${r.pg.pool.max}, of which the server's reads held at most ${r.pg.pool.inUse} at once (sampled every 20 ms over all rounds, both Jobline apps).`
        : ''),
    `- Server: \`buildApp\` from \`dist/\` with the rate limit off (\`rateLimit: {limit: 0}\`), logging off, listening on 127.0.0.1; token cache as in production (5 s); rendered copies as in production (32 MiB), and a second app in the same process with none (\`renderedJobBytes: 0\`).` +
      ` The bare route is \`fastify.get('/v1/jobs/:id', async () => constant)\` in the same process on another port, answering a constant copy of a real job's JSON, so both move about the same bytes for the same requests (${fmt(bare.bytesPerResponse)} vs ${fmt(sqlite.bytesPerResponse)} bytes per response with headers; Jobline sends more headers and some jobs carry files and attempts).`,
    `- Load: autocannon 8 in ${o.generators} **child process(es)** (not in the server's event loop), the connections split among them,` +
      ` ${o.connections} connections (and ${o.wideConnections} for the second PostgreSQL table), no pipelining, ${o.warmup} s warm-up then ${o.duration} s measured, per target; the targets alternate within each round.` +
      ` Each connection cycles through its own random sample of 256 of 10,000 ids sampled from workspace \`acme\`'s jobs, requests built once per connection` +
      ' (a request rebuilt before every send cost the generator about as much CPU as the bare route costs the server), each with a valid bearer token (scope `jobs:read`).' +
      ' The bare figure counts as capped by the load generator, and no throughput ratio is given, when a generator process used 85 % of a core or more, or the generator spent at least as much CPU per request as the bare server (on a machine whose cores are all busy, each side gets about the same share).' +
      " req/s is requests completed / measured seconds; latencies are measured per response in the load generator, in microseconds (autocannon's own histogram keeps whole milliseconds).",
    `- Lists: ${fmt(r.matching)} jobs match in workspace \`acme\`. Page 1 and page ${fmt(LIST_PAGE)} (reached by following \`next_page_token\` ${fmt(LIST_PAGE - 1)} times)` +
      ` are each requested ${o.listSamples} times one after another over HTTP keep-alive after 5 unmeasured requests; the table gives the median.`,
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
