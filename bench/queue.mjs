// Queue benchmark: 100,000 no-op jobs end to end (inserted in batches of 1,000, then run with
// concurrency 32 until all are done) on Jobline over PostgreSQL and SQLite, graphile-worker,
// pg-boss and BullMQ; then pickup latency (insert → handler start) on an idle system. Every run is
// a child process of its own, in a PostgreSQL schema (or SQLite directory, or Redis prefix) of its
// own that is dropped afterwards. Runs against the build in dist/ (`npm run bench -- queue` builds
// first) and writes its section of docs/benchmarks.md.
//
//   npm run bench -- queue [--rounds 3] [--jobs 100000] [--batch 1000] [--concurrency 32]
//                          [--samples 200] [--systems jobline-pg,jobline-sqlite,...] [--no-write]
//   JOBLINE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
//   JOBLINE_BENCH_REDIS_URL    (default redis://127.0.0.1:6379)
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine, median, percentile, writeSection } from './lib/common.mjs';

export const description = '100k no-op jobs end to end and pickup latency: Jobline (PostgreSQL, SQLite) vs graphile-worker, pg-boss, BullMQ';

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
  'jobline-pg-notify': { label: 'Jobline on PostgreSQL, producer on other connections (LISTEN/NOTIFY)', store: 'postgres' },
};
const THROUGHPUT_ORDER = ['jobline-pg', 'graphile-worker', 'pg-boss', 'bullmq', 'jobline-sqlite'];
const LATENCY_ORDER = ['jobline-pg', 'jobline-pg-notify', 'jobline-sqlite', 'graphile-worker', 'bullmq', 'pg-boss'];

// The issue's goals and its reference figures for the peers on such a machine.
const GOALS = { sqliteJobsPerSecond: 20_000, pickupP50Postgres: 2, pickupP50Sqlite: 1 };
const REFERENCE = { bullmq: 11_000, 'graphile-worker': 15_000, 'pg-boss': 8_500 };

/**
 * Before/after figures of the engine changes: the earlier ones measured with this benchmark at `--jobs
 * 20000`, the newer ones with bench/lib/queue-phases.mjs; builds alternating, on a shared machine.
 */
const ENGINE_CHANGES = [
  '**SQLite appends one job.running event row per claim and one job.succeeded row per completion batch, not one per job** (session 14; the tables above are the first run with it). The claim\'s and the completion\'s events are one `job_events` row per workspace, project, type, seq, attempt and error, its `job_ids` a JSON array of the jobs (migration 0025, which rebuilds the table so `job_id` may be NULL); the claim and the completion write these rows themselves, and every reader (a job\'s timeline, the feed, SSE, `feedHead`, the webhook dispatcher, TextKing callbacks, retention) expands them with `json_each` as PostgreSQL\'s batched created events. Jobs carry an event counter every writer bumps, so no writer looks up `max(seq)`, and the times of their claims, by which a job\'s timeline finds its batch rows through a partial index (tested on both databases: feed and dispatcher pages of one and two ending inside a batch, timelines equal to the feed\'s events, expiry one job at a time, and a database upgraded in place). `bench/lib/phases-ab.mjs --db sqlite`, 30,000 jobs, three alternating rounds against the previous build: processing 33,236 / 33,913 → 38,882 / 40,511 / 41,655 jobs/s (median 33,620 → 40,511, +20 %; without the status events at all it was 44,479, so the batch rows keep most of what the events cost), inserts unchanged within the drift. Pickup (`bench/lib/pickup-ab.mjs --db sqlite`, three alternating rounds): p50 0.86–0.88 → 0.79–0.87 ms, unchanged (a job handed to an idle worker gets its events from the insert trigger as before). This run met a fast hour of an AMD EPYC host (graphile-worker about 15,700 jobs/s against 9,137 in session 12\'s run), so compare ratios.',
  '**PostgreSQL appends one job.created event row per insert statement, not one per job** (session 12; the tables above are the first run with it). The created events of one INSERT are one `job_events` row per workspace, project, type and creation time, its `job_ids` listing the jobs (migration 0024); every reader (a job\'s timeline, the workspace feed, SSE, the webhook dispatcher, TextKing callbacks) expands it into one event per job at position (tx, id, k), cursor `tx-id-k`, and `seq` 1 in the job\'s timeline; retention removes it once its jobs are gone (tested on both databases: feed pages of one and two ending inside a batch, timelines, dispatcher pages, expiry one job at a time). Feed pages now start at the cursor through a row comparison the `(…, tx, id)` indexes take as an index condition (before, a page scanned the workspace\'s events from the start of the log). `bench/lib/phases-ab.mjs`, 30,000 jobs, three alternating rounds against the previous build: inserts 28,800–31,000 → 34,300–41,400 jobs/s, PostgreSQL CPU per inserted job 24–28 → 17–22 µs, WAL 1,289 → 793 bytes per job; processing 11,250 → 11,900 jobs/s (median, within the drift). This run met an AMD EPYC host in a slow hour: every system ran at about half its figures of session 10\'s Intel run (graphile-worker 9,137 against 17,523 jobs/s, Jobline on SQLite 13,172 against 23,225), so the SQLite throughput and both pickup goals read as missed here while the ratios are what this change moved: Jobline on PostgreSQL against graphile-worker 0.91, 1.10 and 1.15 in the three rounds (0.88 in session 10\'s run, 0.91 in session 11\'s single round on this kind of host).',
  '**Fewer index entries per job** (session 10; the tables above were measured with it, before the next change). PostgreSQL\'s `job_events` lost its primary key on `id`, which nothing looked an event up by (migration 0022; `id` keeps its identity default and still orders a transaction\'s events), and on both databases the index that lists a project\'s jobs leaves out jobs without a project (migration 0023; every query using it names a project, and both planners still choose it: checked with PostgreSQL\'s generic plans and SQLite\'s EXPLAIN QUERY PLAN). A job without a project now adds 6 index entries fewer on PostgreSQL (3 event ids, 3 row versions in the project index) and 1 fewer on SQLite. `bench/lib/queue-phases.mjs`, 30,000 jobs, three alternating rounds against the previous build: PostgreSQL inserts 48,000–50,500 → 53,200–53,800 jobs/s, processing 18,200–18,800 → 19,400–21,100 jobs/s (PostgreSQL CPU 67–71 → 60–63 µs per job, WAL 3,870 → 3,450 bytes); SQLite inserts 94,200–98,400 → 99,200–104,900 jobs/s. After this run, PostgreSQL batches bind their column arrays as text written in one pass (`src/store/pg-arrays.ts`) instead of node-postgres\'s per-element conversion: Node.js CPU per inserted job 5.5 → 4.8 µs, inserts +2–7 % in alternating runs. This run met a fast hour: graphile-worker did 17,523 jobs/s against 15,598 in session 9\'s run, so the ratio, not the absolute figure, is the comparison.',
  '**SQLite: a new job no longer calls into JavaScript for its job.created wake-up** (session 9; the tables above are the first run with it). The inserts announce new jobs to this process\'s listeners once per statement, and the call that wakes a job\'s followers and the webhook dispatcher moved from a trigger on `job_events` into the triggers that append events (migration 0021; tested on both databases: listeners hear of jobs created by either insert path, of status changes and of events appended by hand). A SQLite trigger runs a program per row even when its WHEN clause skips it, so the first attempt, a WHEN clause on the old trigger, saved 2 %. `bench/lib/queue-phases.mjs --db sqlite`, 30,000 jobs, three alternating rounds: inserted 75,000 / 75,200 / 76,100 → 83,500 / 84,800 / 86,600 jobs/s, running unchanged. This run met a fast hour on a different host CPU (Intel Xeon, where session 8\'s run had AMD EPYC), so compare ratios within the run, not with earlier runs.',
  '**Nothing waits in front of a new job\'s insert that need not** (session 8; the tables above are the first run with it). On SQLite the numbered insert runs at once when no transaction is open on the connection (nothing can run between its synchronous statements) and waits for Kysely\'s connection only when another caller\'s transaction is open between its awaits (tested: a job created meanwhile is not rolled back with it); its better-sqlite3 transaction function is made once per connection. `createJobs` awaits the callback URL check only for jobs that have a callback URL. A trace with marks put BEGIN 0.25 → 0.16 ms after the create call. `bench/lib/pickup-ab.mjs`, alternating rounds: SQLite p50 0.96/1.07/1.15/1.18 → 0.98/0.99/1.10/1.04 ms, PostgreSQL 2.21/2.03/1.94 → 2.05/1.85/1.83 ms. On PostgreSQL the workspace NOTIFY for a job inserted already claimed by a worker of the inserting process is sent by that process after the handover instead of by the insert\'s trigger (migration 0020; tested: a feed follower in another set of services hears of every new job): 2.33/2.19/1.98/2.17/2.13/2.01 → 2.17/2.00/1.81/2.10/1.98/1.95 ms, lower in each of six rounds; delivering a NOTIFY at the insert\'s commit wakes every listening connection and the processes behind them while the job is about to start. This run met a fast hour of the machine (graphile-worker 15,299 jobs/s against 13,168 in session 7\'s run), so part of SQLite\'s gain since (17,721 → 21,377 jobs/s, every round above 20,000) is the machine\'s, not the code\'s: these changes touch only the pickup path, and the throughput benchmark\'s workers start after its inserts.',
  '**Less JavaScript around each job and each insert** (session 7). A job\'s AbortController and child logger are made only when its handler reads `ctx.signal` or `ctx.log` (a signal read after the attempt was stopped comes already aborted; tested): `bench/lib/queue-phases.mjs`, 30,000 jobs, alternating builds, SQLite processing 43–46 → 38–42 µs of CPU per job, Node.js CPU on PostgreSQL 26–27 → 18–19 µs per job. The SQLite claim and release of dependents are fixed statement texts with their lists bound as one JSON array, the claim choosing its jobs by rowid: 43–45 → 40–41 µs per job. SQLite numbers and inserts new jobs in one synchronous better-sqlite3 transaction on the connection Kysely lends: pickup p50 1.41–1.46 → 1.20–1.24 ms (`bench/lib/pickup-ab.mjs`, three alternating rounds). PostgreSQL\'s insert statements are written once as text instead of built through Kysely on each call: pickup p50 2.09–2.25 → 1.88–2.03 ms. SQLite dropped the events\' global (tx, id) index, the id\'s own order there (migration 0019): within the noise. This run met a slow hour of the machine: graphile-worker, BullMQ and the pickup of every system measured 15–30 % below the previous run, so compare ratios, not absolute figures.',
  '**A new job goes straight to an idle worker of the same process** (src/services/handoff.ts, session 6): it is inserted already claimed by that worker, in the insert\'s own durable transaction, and handed over in memory once that commits, so the wake-up and the claim\'s transaction (about 1 ms) are gone from the pickup. Its events are still job.created (pending) and job.running (migration 0018). A worker takes jobs this way only with a free slot and after its last claim found none of its types left, with none added since, so no new job overtakes a waiting one. `bench/lib/pickup-ab.mjs` (the latency measurement above, 200 samples, builds alternating): PostgreSQL p50 2.72/2.56/2.98 → 1.87/1.78/2.18 ms, SQLite 2.11 → 1.22 ms. Writing the row claimed on SQLite too, instead of the insert and then a claim UPDATE in its transaction: p50 the same (1.21–1.36 → 1.22–1.38 ms), p95 2.16–2.40 → 1.64–2.00 ms. The throughput benchmark is not affected (its workers start after the inserts); the LISTEN/NOTIFY row is not either (its producer has no worker): 3.07/3.43 before and 3.00/3.22 ms after in alternating runs, against 4.01 in the table, measured on a slower minute.',
  '**SQLite batches skip the query builder** (after the tables above): machine jobs, completions and attempt rows are written by statements whose text is built once per batch size, values bound as one flat list (building and compiling hundreds of rows cost about as much as SQLite running them). Alternating runs of `queue-phases`: inserting 51,960–55,967 → 60,167–69,378 jobs/s (CPU 18–20 → 14–16 µs per job), processing 18,712–19,833 → 18,854–21,525 jobs/s. A throughput-only run right after (`--systems jobline-sqlite,jobline-pg --no-latency`): **Jobline on SQLite 15,481 jobs/s end to end** (insert 71,286/s, processing 19,776/s), Jobline on PostgreSQL 11,861.',
  '**A claim reads back only what the worker needs** of each job it took (id, workspace, project, type, input, attempts, max attempts, timeout: `ClaimedJob`) instead of all of its 38 columns; on PostgreSQL the claim function returns that row type (migration 0015). Building rows of 38 properties for 250 jobs per claim cost as much as the claim\'s update. `bench/lib/queue-phases.mjs`, 30,000 jobs, prefetch 500, claims of 250, alternating builds: SQLite processing 82–89 → 61–62 µs of CPU per job (12,500–13,600 → 17,600–17,900 jobs/s).',
  '**No per-row foreign key checks on the PostgreSQL hot path.** `job_events` and `job_attempts` lost their foreign keys to `jobs` (a statement trigger deletes a job\'s events and attempts with it, migration 0016; tested on both databases); `jobs` lost its foreign keys to `workspaces` and `projects` (migration 0017: every insert of jobs reserves their numbers on the owner\'s counter row in the same transaction, which finds the owner or inserts nothing and keeps it locked; owners are never deleted; tested). A foreign key check runs a query and locks the referenced row for every inserted row — three events and an attempt per job. Alternating runs, 30,000 jobs: PostgreSQL CPU per job 26–37 → 22–25 µs to insert and 91–115 → 81–89 µs to process (events and attempts), then 20–28 → 18–19 µs to insert (owners).',
  '**A SQLite claim commits with `synchronous = NORMAL`**, the counterpart of PostgreSQL\'s asynchronous claim commit: better-sqlite3 blocks the process while the disk flushes, so each claim\'s flush was time lost to the handlers. Every other commit stays `FULL` (tested, also after a failed claim). Processing 17,500–18,200 → 17,700–19,200 jobs/s in alternating runs.',
  '**Ids cost less**: `uuidv7` draws random bytes 4 KiB at a time and formats with a byte table (2.6 → 0.3 µs per id); Node.js CPU to insert a job on PostgreSQL 8.4–9.5 → 6.1–6.9 µs, 34,800–39,300 → 36,600–41,300 jobs/s in alternating runs.',
  '**A PostgreSQL claim commits without waiting for its WAL flush** (`synchronous_commit = off` for the claim\'s own transaction, set inside `jobline_claim`). WAL is written in order, so after a crash of the server or the machine a lost claim is a job that is pending again and runs again, as when its worker dies; new jobs, completions, failures and cancels still wait for the disk and make every claim before them durable. A claim of one job, alternating builds on a loaded machine: 1.88–2.31 → 1.05–1.40 ms. (The tables above were measured just before this change.)',
  '**Fewer round trips to create and to claim on PostgreSQL.** Machine jobs of one project (or none) that depend on nothing are numbered and inserted by one prepared statement, its own transaction (before: BEGIN, the counter, the INSERT, COMMIT); the claim is a PL/pgSQL function (migration 0014) called through a prepared statement, so its query is planned once per connection (before, a simple-protocol query planned at every call because its `SET LOCAL enable_sort = off` travelled with it; the function now carries that setting). Alternating runs of one insert then one claim, 300 times: insert p50 3.73–4.33 → 1.84–2.97 ms, claim of one job 1.36–2.12 → 1.03–1.15 ms; processing with claims of 250: 5,919–7,253 → 6,225–9,340 jobs/s.',
  '**A worker can claim ahead (`prefetch`, `JOBLINE_WORKER_PREFETCH`)**: up to that many jobs are claimed beyond the free slots and held, leased, in a local queue (graphile-worker\'s `localQueue`), and a busy worker claims again only when a full batch fits. Claims and completions then carry hundreds of jobs instead of about 32 (the concurrency), so every per-statement cost — planning, the commit, the statement triggers — is shared by more jobs. `node bench/lib/queue-phases.mjs` (both phases in one process), 20,000 jobs, alternating runs: PostgreSQL processing 4,016 and 4,947 → 6,478 and 6,603 jobs/s (PostgreSQL CPU 167–179 → 114–140 µs per job); SQLite 5,030 and 5,609 → 8,056 and 8,239 jobs/s. This run uses `prefetch: 500` with claims of 250; a worker\'s default stays 0, since held jobs wait for their worker even when another one is idle.',
  '**PostgreSQL job events are appended once per statement**: the created, status and progress events come from statement-level triggers that read the changed rows from transition tables and append all their events with one INSERT … SELECT, instead of a PL/pgSQL call per row (migration 0013). Same events, order, `seq` and NOTIFY payloads (the event tests pass unchanged). PostgreSQL CPU per job (`bench/lib/queue-phases.mjs`, 20,000 jobs): processing 167–192 → 132–149 µs, inserting 45–59 → 38–43 µs.',
  '**The PostgreSQL completion joins the unnested array instead of a CTE of the batch.** Without statistics on a young or fast-growing table, the planner chose a sequential scan of `jobs` for a batch of 100 (EXPLAIN: 69,900 join comparisons, 24 ms of a 36 ms statement on a 20,000-job table); with the array it probes the primary key (2.4 ms). For batches of 250 it was still seen to prefer a scan on such a table; a join-free variant (a PL/pgSQL function) measured no faster at 30,000 and 100,000 jobs and was not kept.',
  '**Machine jobs are inserted on PostgreSQL with one `INSERT … SELECT FROM unnest(arrays)`**, a parameter per column instead of per value (about 18,000 for a batch of 1,000): 10,149–11,790 → 13,800–14,284 jobs/s in alternating runs, Node.js CPU 31–35 → 22–23 µs per job.',
  '**A worker no longer starves its own event loop on SQLite.** better-sqlite3 completes every query synchronously, so the claim loop, the handlers and their promises could run as one microtask chain: timers (heartbeats) and the writes of finished jobs (scheduled with `setImmediate`) waited while the worker claimed the whole backlog — a run of this benchmark was seen holding 95,400 jobs as running. The loop now yields between claims and never holds more than concurrency + prefetch + one batch (a test samples this from a timer). Earlier SQLite figures in this file were measured with that behaviour.',
  '**PostgreSQL claims walk the claim index whatever the statistics say.** On a new table, or after a burst of jobs since the last ANALYZE, the planner estimated a handful of pending rows and chose to fetch and sort every pending row on each claim (EXPLAIN: a bitmap scan returning 16,800 rows and a sort, 33 ms, to take 32 jobs), so draining a backlog cost its square. The claim now runs with `SET LOCAL enable_sort = off`, sent with the UPDATE as one simple-protocol query (one round trip, its own implicit transaction): an ordered index scan that stops after the limit (0.1 ms for the scan).',
  '**A PostgreSQL completion is one statement**: the update, the attempt rows and the release of dependents are data-modifying CTEs (one round trip and one commit instead of BEGIN, three statements and COMMIT). The release is guarded by a condition PostgreSQL evaluates once, so a batch nobody depends on skips it; before, it scanned every pending job on each completion (the planner again started from the pending rows).',
  '**A SQLite completion is one `UPDATE … FROM (VALUES …)` per batch** instead of one UPDATE per job; each statement is prepared anew, which cost more than running it.',
  "**Fewer round trips per job**: a completion notifies other workers only when a dependent job became runnable (it sent a NOTIFY after every batch, which woke every worker); the 500 ms check for cancel requests looks up the ids the worker holds instead of scanning the whole table; the worker claims once per event-loop turn, so jobs that finish together are replaced by one claim rather than a claim of 1 and then of 31.",
  "**A job's concurrency slot is freed when its handler settles**, and the next claim runs while the finished job's outcome is written (the job stays leased, heartbeated and awaited by `stop()` until its write lands). `concurrency` still bounds the handlers running at once.",
  '**The PostgreSQL completion is a named prepared statement**, planned once per connection rather than at every batch (planning took about a fifth of the statement\'s time); it returns only ids, so a column added to `jobs` later cannot change its result type. Measured alone (processing phase, 20,000 jobs, runs alternating): 2,023, 2,542 and 2,372 → 1,999, 3,001, 2,821, 2,980 and 2,418 jobs/s, PostgreSQL CPU 3.4–5.4 s → 2.5–3.5 s. A full run of this benchmark the same afternoon without it gave Jobline on PostgreSQL 1,436 jobs/s end to end (graphile-worker 4,196, BullMQ 2,165, pg-boss 1,100, Jobline on SQLite 2,635).',
  'Measured effect of the rest (processing phase, 20,000 jobs): **PostgreSQL 298 and 442 → 1,367 and 1,480 jobs/s** (worker CPU 6.3–7.1 s → 2.4 s, PostgreSQL CPU 24–27 s → 4.6–6.2 s); **SQLite 1,076 and 1,421 → 1,443 and 1,718 jobs/s** (worker CPU 6.9–7.2 s → 3.7–3.9 s, the rest of the time being `synchronous=FULL` fsyncs of about 2.3 ms each on this disk).',
];

/** Why the figures are what they are; written into the section. */
const FINDINGS = [
  'Where the SQLite store\'s share of running a job goes (session 13, an AMD EPYC host): `bench/lib/sqlite-store-ab.mjs` runs only the engine\'s claim and completion statements, one database per schema variant in one process, the variants taking turns every 250 jobs so that the machine\'s drift (base 34 → 49 µs within the hour) falls on all of them alike. Three rounds of 20,000 jobs, µs of CPU per job for claim and completion together: unchanged 48.6; without the trigger that appends the running and succeeded events 32.8, so those two event rows are a third of the store\'s work; without the `seq` lookup and the call into JavaScript 43.7; without the feed index 45.2; without the three people-import triggers (their WHEN skips them for machine jobs) 46.3, and merged into one trigger no better than unchanged; with foreign keys off 46.2; without AUTOINCREMENT 48.6. Each trim is a few per cent and each has its reason (a job\'s timeline numbered from its own rows, a workspace\'s feed, cascades, event ids never reused after retention deletes the newest rows). What would move SQLite\'s processing is what PostgreSQL\'s created events got in session 12: fewer event rows per job, a claim\'s running events and a completion batch\'s succeeded events each one row that the readers expand, with a job\'s sequence numbers kept without a lookup per event.',
  'Where the gap to graphile-worker lies on another host, and which change should come next (session 11: an AMD EPYC host in a slow hour, so only ratios compare). One round at 100,000 jobs: Jobline on PostgreSQL 7,985 jobs/s end to end, graphile-worker 8,750 (0.91); processing took 9.0 s for both (11,155 and 11,124 jobs/s) and inserting 3.6 s against 2.4 s (28,100 and 41,013 jobs/s), so here the whole gap is the insert phase. At 30,000 jobs the ratio was 0.67, because graphile-worker processes a short queue much faster (16,382 jobs/s). Upper bounds from `bench/lib/phases-ab.mjs` (`queue-phases.mjs` with `--sql`, the variants alternating), 30,000 jobs, three rounds. (1) job.created events written as one row per insert statement and per (workspace, project, type), the job ids in an array, instead of one row per job: inserts 31,600–35,400 → 41,900–47,400 jobs/s, PostgreSQL CPU 22–25 → 15–18 µs per job, WAL 1,287 → 791 bytes per job (778 with no created event at all), processing unchanged. (2) Without the `(workspace_id, id)` list index: inserts +15–20 %, WAL 1,287 → 1,165 bytes per job to insert and 3,450 → 3,170 to process. The unfiltered list would then need one ordered scan of `(workspace_id, status, id)` per status, merged, and PostgreSQL\'s planner chose a backward scan of the primary key, filtering by workspace, for those scans (87 ms against 0.6 ms on 33,000 jobs), so that is unsafe unless the plan is pinned. (3) Without the events\' global `(tx, id)` index: inserts +10 %, WAL −5 %. Constant data for the created event and a sequence cache for event ids were inside this hour\'s noise (±15 %). So the next change expected to close the gap is the batched created event. A job\'s events, the feed, SSE, the webhook dispatcher and the TextKing callbacks would each expand a batch row into per-job events, behind a cursor that can point inside a batch.',
  'SQLite pickup on an AMD EPYC host (session 11): p50 1.03–1.05 ms against the 1 ms goal (0.72–0.77 ms on the Intel host of session 9, same code). A trace with marks (median of 300): JavaScript before BEGIN 0.16 ms, BEGIN, the counter and the insert 0.25 ms, COMMIT 0.62 ms, commit to handler 0.1 ms. On this disk a bare 4 KiB write and fdatasync after a 20 ms idle pause take 0.53 ms (0.59 ms for 11 pages), so the commit is nearly all flush. After the same pause, `Date.now()` took 5.7 µs and one `uuidv7` 37 µs (0.3 µs warm): with cold caches, the JavaScript costs what code and memory it touches, not the work it does.',
  'Would moving the queue state out of `jobs` pay (session 10, the change session 9 proposed)? An upper bound, simulated with `queue-phases --sql`: pending jobs also in a narrow `job_queue` table filled by an insert trigger, the claim deleting from it and updating `jobs` without touching an indexed column (the status and lease indexes dropped, `fillfactor` 50), so 90 % of the claims\' updates were HOT (`pg_stat_user_tables`). PostgreSQL CPU per processed job fell 17 % (66–69 → 56–57 µs), but jobs processed per second rose only 5–8 % (18,000–18,500 → 19,400–20,000) and inserts fell 1–3 %: about 5 % end to end, before paying for what the simulation left out (status-filtered lists and the lease index). Not worth rewriting every reader of `status`. In this run most of the gap to graphile-worker is the insert phase: 1.85 s against 1.26 s for 100,000 jobs, 0.59 of the 0.85 s difference (processing 4.64 s against 4.38 s), and there the job.created event is the largest single cost: without its trigger, inserts ran at 68,000–71,800 jobs/s against 49,700–51,900 (the trigger itself and its transition table cost nothing measurable; the rows and their indexes do). Every job\'s history starting with its created event in the feed and in `GET /v1/jobs/{id}/events` is what that costs.',
  'What would it take to pass graphile-worker on PostgreSQL (session 9: upper bounds from `bench/lib/queue-phases.mjs --sql`, 30,000 jobs, alternating with the unchanged schema)? Processing costs PostgreSQL 74–79 µs of CPU per job and Node.js 18. Without the trigger that appends the running and succeeded events, PostgreSQL needs 53–54 µs and processes 22,600–23,000 jobs/s (from 16,000–17,600). Without three of the four list indexes (by project, status and type), 58–59 µs and 19,900–20,500 jobs/s, and inserts 54,000–55,000 jobs/s (from 44,000–45,000). Inside the event trigger, the per-job NOTIFY costs nothing measurable, the `seq` lookup and the `jsonb_build_object` of the data about 3–5 µs per job together (1.5 µs per `jsonb_build_object` alone, measured in psql), and dropping both the events\' primary key and global index saves 7 % of the processing WAL. Two completion batches in flight instead of one changed nothing (PostgreSQL\'s CPU, not waiting on commits, is the limit). Even with the event trigger gone, a job would cost about 22 µs to insert and 43 µs to run, about graphile-worker\'s 65 µs end to end: the goal needs the job\'s history (events) or its list indexes to cost far less, that is, a different schema (for example, the queue state of pending and running jobs in a table of its own, so that the claim does not write a new version of the job row into every index), not another statement tuned.',
  'Where SQLite\'s time per job goes while running jobs (session 9, same method): 36–37 µs of CPU per job, of which the trigger that appends the status events is about 10 (42,300 and 38,800 jobs/s without it, 29,000–29,500 with it); of those 10 µs the call into JavaScript is about 2, while the `seq` lookup and the `json_object` data measured nothing; the rest is the event row\'s B-trees (the table, AUTOINCREMENT\'s counter, the unique (job, seq) index, the feed index) and the foreign key check (`foreign_keys = OFF`: 3 %). The `(workspace, status, id)` list index costs about 3 µs per job (33,100 jobs/s without it); the lease index nothing measurable. Pickup on SQLite (trace with marks, median of 300, this hour): 0.82–0.85 ms, of which 0.44–0.47 ms is the commit; an fsync after a 20 ms pause took 0.38–0.44 ms here whether 1, 3 or 11 pages were written first, so the commit\'s flush, not the pages, sets its cost.',
  'Per job, Jobline writes four row versions (the insert, the claim, the completion and an attempt row), three event rows (created, running, succeeded: the history behind `GET /v1/jobs/{id}/events`, the feed, SSE and webhooks) and maintains up to eight indexes on `jobs` (the list indexes behind `GET /v1/jobs` filters, the claim index and the lease index): every status change touches an indexed column, so no update is HOT. That is the price of keeping every job, its attempts and its events queryable through the API; graphile-worker deletes a job when it completes and BullMQ keeps only the last 1,000. On this 2-core machine the database\'s CPU is the limit: compare "server CPU s" above (PostgreSQL CPU while processing the same 100,000 jobs: 1.8× graphile-worker\'s in this run, 2.0× and 1.7× in the two before, 2.5× at the start of the round of work before them).',
  'Where PostgreSQL\'s work per job goes (session 8: `bench/lib/queue-phases.mjs` prints the WAL written per job, which unlike CPU time does not drift with the machine; `pg_waldump --stats` and a `perf` profile of the server during a run): 1,484 bytes of WAL per job to insert it and 3,870 to run it, of which B-tree leaf inserts are 54 %. A job takes 31 index entries on its way: 3 in each of `jobs`\' primary key and four list indexes (the insert, the claim and the completion each write a new row version, and no update is HOT because each changes `status`), one each in the claim, lease and finished indexes, 4 per event for three events (primary key, `(job_id, seq)`, the feed and the global order) and one for the attempt. Index inserts are 42 % of PostgreSQL\'s CPU there and the statement triggers that append the events 26 % (the two overlap); 15 % went to creating and zero-filling new 16 MiB WAL segments, which a server whose `min_wal_size` covers a burst of this size would recycle instead (the benchmark leaves the shared server at its defaults). Measured and not kept: `fillfactor = 70` or `50` on `jobs` (the updated row stays on its page: 3–6 % less WAL, CPU within the noise); the events\' primary key as `(tx, id)` in place of the global index (3 % less WAL). Not done yet, in the order expected to pay: fewer index entries per status change; on SQLite, cheaper status events. The claim and completion statements replayed without the worker (session 7) take about 30 µs per job, of which the status event trigger is about 13: without it 17 µs, with a trigger appending the same rows to a table without indexes or keys 21 µs, so most of it is the events\' unique (job, seq) index, the feed index, the foreign key check and the `seq` lookup, none of which stands out alone. `PRAGMA temp_store = MEMORY` (statement journals in memory) saved about 2 µs there but nothing measurable in the whole engine, and would move large sorts of the same connection into memory; 8 KiB pages, WITHOUT ROWID jobs, larger claim batches and no automatic checkpoints measured no better. Tried and not kept: the PostgreSQL events\' primary key as `(tx, id)` in place of the separate global index (3–4 % of PostgreSQL CPU, not worth rebuilding the events table of an existing installation); one NOTIFY per statement instead of one per changed job (no measurable change).',
  'A completion written by a PL/pgSQL function (plan kept per connection, `enable_seqscan = off`, no join) measured the same as the prepared statement at 30,000 and 100,000 jobs and was dropped.',
  'Pickup latency is the insert call alone (the job\'s number reserved and the row inserted claimed, with a durable commit): the handler starts as the call returns. On PostgreSQL that call takes 1.8–2.3 ms after the 20 ms idle pause, depending on the hour: the query\'s round trip 1.5–1.8 ms (a `SELECT 1` alone takes 0.7 ms then, both processes waking from sleep on this virtual machine; the statement runs 0.39 ms in the server and its commit\'s fdatasync 0.1–0.4 ms), and Node.js about 0.17 ms before sending it and 0.06 ms after the answer, on cold caches (the same code warmed by 3,000 inserts first is only 0.05 ms faster). On SQLite the call takes 1.0–1.2 ms (session 8 trace with marks, median of 200): 0.16 ms of JavaScript to BEGIN, BEGIN, the counter and the row 0.25 ms, the commit 0.56–0.6 ms (ten 4 KiB WAL frames and an fsync that takes 0.35–0.4 ms after an idle pause on this disk, against 0.11 ms back to back), and 0.08 ms from the commit to the handler. In session 8\'s runs (an AMD EPYC host) the 1 ms goal on SQLite was missed by that much; session 9\'s run (an Intel Xeon host, the same code on this path apart from one call into JavaScript fewer) met it in every round (0.72–0.77 ms), so on SQLite the goal is met or missed by the host the virtual machine lands on. The 2 ms goal on PostgreSQL is met or missed by about 0.1–0.3 ms depending on the hour and the host.',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Child: one measurement of one system.

async function makeAdapter(system, o) {
  switch (system) {
    case 'jobline-pg':
    case 'jobline-pg-notify':
    case 'jobline-sqlite': {
      const { jobline } = await import('./peers/jobline.mjs');
      return jobline({ ...o, dialect: system === 'jobline-sqlite' ? 'sqlite' : 'postgres', separateProducer: system === 'jobline-pg-notify', workerOptions: { prefetch: o.prefetch, batchSize: o.claimBatch } });
    }
    case 'graphile-worker': {
      const { graphile } = await import('./peers/graphile.mjs');
      return graphile(o);
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
      const t1 = await Promise.race([started, sleep(10_000).then(() => Promise.reject(new Error(`${system}: sample ${k} not picked up in 10 s`)))]);
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
    const execArgv = profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${system}-${mode}-${Date.now()}.cpuprofile`] : [];
    const child = fork(SELF, ['--child', JSON.stringify({ mode, system, options })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let message;
    child.on('message', (m) => (message = m));
    child.on('exit', (code) => {
      if (message?.result !== undefined) resolve(message.result);
      else reject(new Error(message?.error ?? `${system} ${mode} exited with ${code}`));
    });
  });
}

async function postgresFacts(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const facts = {};
    for (const name of ['server_version', 'shared_buffers', 'synchronous_commit', 'fsync', 'max_wal_size', 'max_connections']) {
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
const packageVersion = (name) => peerRequire(`${name}/package.json`).version;
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
const rate = (jobs, ms) => (jobs * 1000) / ms;

export async function run(argv) {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  ensurePeers();
  if (values.help) {
    process.stdout.write(`${description}\n\noptions: ${Object.keys(OPTIONS).filter((k) => k !== 'child').map((k) => `--${k}`).join(' ')}\nsystems: ${[...THROUGHPUT_ORDER, ...Object.keys(LATENCY_ONLY)].join(', ')}\n`);
    return;
  }
  if (values.render !== undefined) {
    const saved = JSON.parse(readFileSync(values.render, 'utf8'));
    saved.started = new Date(saved.started);
    saved.summary = summarize(saved.throughput, saved.latency);
    process.stdout.write(`wrote ${writeSection('queue', render(saved))}\n`);
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
  const pick = (list, order) => (list === undefined ? order : list.split(',').map((s) => s.trim()).filter(Boolean));
  const throughputSystems = values['no-throughput'] ? [] : pick(values.systems, THROUGHPUT_ORDER);
  const latencySystems = values['no-latency'] ? [] : pick(values['latency-systems'] ?? values.systems, LATENCY_ORDER);
  for (const s of throughputSystems) if (SYSTEMS[s] === undefined) throw new Error(`unknown system ${s}`);
  for (const s of latencySystems) if (SYSTEMS[s] === undefined && LATENCY_ONLY[s] === undefined) throw new Error(`unknown system ${s}`);

  const log = (line) => process.stdout.write(`${line}\n`);
  const host = machine();
  const started = new Date();
  const facts = { postgres: await postgresFacts(databaseUrl), redis: await redisFacts(redisUrl) };
  log(`queue benchmark: ${o.rounds} round(s), ${fmt(o.jobs)} jobs in batches of ${fmt(o.batch)}, concurrency ${o.concurrency}; ${host.nproc} cores, ${host.cpu}, Node ${host.node}`);
  log(`PostgreSQL ${facts.postgres.server_version}, Redis ${facts.redis.version}`);
  const childOptions = { ...o, databaseUrl, redisUrl, timeoutMs: 900_000 };

  const throughput = Object.fromEntries(throughputSystems.map((s) => [s, []]));
  const latency = Object.fromEntries(latencySystems.map((s) => [s, []]));
  const describe = {};
  // Saved after every run, so an interrupted benchmark still leaves what it measured.
  const save = () => values.json !== undefined && writeFileSync(values.json, JSON.stringify({ o, host, started, facts, describe, throughput, latency }, null, 2));
  for (let round = 1; round <= o.rounds; round++) {
    // A round runs every system once, so slow drifts in the machine's load spread over all of them.
    for (const s of throughputSystems) {
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
    for (const s of latencySystems) {
      const r = await runChild('latency', s, childOptions, values.profile);
      latency[s].push(r);
      describe[s] ??= r.describe;
      save();
      log(`round ${round} ${s.padEnd(18)} pickup p50 ${fmt(r.p50, 2)} ms, p95 ${fmt(r.p95, 2)} ms, max ${fmt(r.max, 1)} ms (insert call p50 ${fmt(r.insertP50, 2)} ms)`);
    }
  }

  save();
  const summary = summarize(throughput, latency);
  for (const [s, t] of Object.entries(summary.throughput)) log(`median ${s.padEnd(16)} ${fmt(t.total)} jobs/s (insert ${fmt(t.insert)}/s, processing ${fmt(t.process)}/s)`);
  for (const [s, l] of Object.entries(summary.latency)) log(`median ${s.padEnd(18)} pickup p50 ${fmt(l.p50, 2)} ms, p95 ${fmt(l.p95, 2)} ms`);
  if (values['no-write']) return;
  const path = writeSection('queue', render({ o, host, started, facts, describe, throughput, latency, summary, databaseUrl }));
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
    l[s] = { p50: median(runs.map((r) => r.p50)), p95: median(runs.map((r) => r.p95)), insertP50: median(runs.map((r) => r.insertP50)), runs: runs.map((r) => r.p50) };
  }
  return { throughput: t, latency: l };
}

const label = (s) => (SYSTEMS[s] ?? LATENCY_ONLY[s]).label;

function versionOf(s, describe) {
  if (s.startsWith('jobline')) return require('../package.json').version;
  return describe[s]?.version ?? '–';
}

function render({ o, host, started, facts, describe, throughput, latency, summary }) {
  const t = summary.throughput;
  const l = summary.latency;
  const jl = t['jobline-pg']?.total;
  const lines = [];
  lines.push('## Queue: 100,000 no-op jobs end to end, and pickup latency');
  lines.push('');
  lines.push(
    `Measured ${started.toISOString().slice(0, 10)} on a **2-core virtual machine** (its speed varies by ±30 % from minute to minute, so compare systems within one run): ` +
      `${host.nproc} cores, ${host.cpu}, ${fmt(host.memoryGiB, 0)} GiB, Node ${host.node}, ${host.os}; load average ${host.loadavg.map((v) => fmt(v, 1)).join(', ')} when the run started. ` +
      `PostgreSQL ${facts.postgres.server_version} on the same machine (shared_buffers ${facts.postgres.shared_buffers}, synchronous_commit ${facts.postgres.synchronous_commit}, fsync ${facts.postgres.fsync}); ` +
      `Redis ${facts.redis.version} with no persistence (save ${facts.redis.save}, appendonly ${facts.redis.appendonly}). ` +
      `Median of ${o.rounds} rounds; each run is a fresh child process with its own PostgreSQL schema, SQLite directory or Redis prefix, dropped afterwards.`,
  );
  lines.push('');
  lines.push('Reproduce: `npm run bench -- queue` (builds `dist/` first; `--rounds`, `--jobs`, `--systems`, `--help`).');
  lines.push('');
  lines.push(`### Throughput: ${fmt(o.jobs)} jobs, inserted in batches of ${fmt(o.batch)}, then run with concurrency ${o.concurrency}`);
  lines.push('');
  lines.push('End to end is jobs ÷ (first insert → last completion written); processing starts when the workers are started after the last insert.');
  lines.push('');
  lines.push('| system | version | end to end jobs/s | insert jobs/s | processing jobs/s | Jobline PG ÷ this | runs (end to end) | worker CPU s | server CPU s |');
  lines.push('|---|---|--:|--:|--:|--:|---|--:|--:|');
  for (const s of THROUGHPUT_ORDER) {
    const x = t[s];
    if (x === undefined) continue;
    const ratio = s === 'jobline-pg' ? '1.00' : jl !== undefined ? fmt(jl / x.total, 2) : '–';
    lines.push(`| ${label(s)} | ${versionOf(s, describe)} | **${fmt(x.total)}** | ${fmt(x.insert)} | ${fmt(x.process)} | ${ratio} | ${x.runs.map((v) => fmt(v)).join(', ')} | ${fmt(x.nodeCpu, 1)} | ${fmt(x.serverCpu, 1)} |`);
  }
  lines.push('');
  lines.push('"worker CPU s" is the benchmark process (inserting client and workers) while processing; "server CPU s" is every PostgreSQL (or Redis) process on the machine over the same time, other users\' included.');
  lines.push('');
  if (Object.keys(l).length > 0) {
    lines.push(`### Pickup latency: insert → handler start, idle system`);
    lines.push('');
    lines.push(`${o.samples} samples per round after ${o.warmup} warm-up samples, one job at a time, ${o.pauseMs} ms pause after each pickup; the time starts before the insert call, so it includes the insert's own round trip (shown separately). Median of the rounds' p50 and p95.`);
    lines.push('');
    lines.push('| system | p50 ms | p95 ms | insert call p50 ms | goal |');
    lines.push('|---|--:|--:|--:|---|');
    for (const s of LATENCY_ORDER) {
      const x = l[s];
      if (x === undefined) continue;
      const goal = s === 'jobline-pg' || s === 'jobline-pg-notify' ? `p50 ≤ ${GOALS.pickupP50Postgres} ms: ${x.p50 <= GOALS.pickupP50Postgres ? 'met' : 'missed'}` : s === 'jobline-sqlite' ? `p50 ≤ ${GOALS.pickupP50Sqlite} ms: ${x.p50 <= GOALS.pickupP50Sqlite ? 'met' : 'missed'}` : '';
      lines.push(`| ${label(s)} | **${fmt(x.p50, 2)}** | ${fmt(x.p95, 2)} | ${fmt(x.insertP50, 2)} | ${goal} |`);
    }
    lines.push('');
    lines.push(
      'Each system runs with its throughput settings above. Jobline wakes its workers in-process and, across processes, by LISTEN/NOTIFY (the second PostgreSQL row creates the jobs through a second set of services, its own pool and wake-ups, so the worker hears of them only by NOTIFY, as when the API and the worker are different processes). graphile-worker wakes by LISTEN/NOTIFY, BullMQ by its blocking wait on Redis. pg-boss 10 has no wake-up: a job waits for the next poll of one of its 32 loops, each polling every 0.5 s.',
    );
    lines.push('');
  }
  lines.push('### Goals');
  lines.push('');
  for (const s of ['graphile-worker', 'bullmq', 'pg-boss']) {
    if (t[s] === undefined || jl === undefined) continue;
    lines.push(`- Jobline on PostgreSQL vs ${label(s)}: ${fmt(jl)} vs ${fmt(t[s].total)} jobs/s = **${fmt(jl / t[s].total, 2)}×** (goal: ahead, > 1; the issue's reference for ${s} on such a machine: ~${fmt(REFERENCE[s])} jobs/s).`);
  }
  if (t['jobline-sqlite'] !== undefined) {
    lines.push(`- Jobline on SQLite: ${fmt(t['jobline-sqlite'].total)} jobs/s = **${fmt(t['jobline-sqlite'].total / GOALS.sqliteJobsPerSecond, 2)}×** the goal of ${fmt(GOALS.sqliteJobsPerSecond)} jobs/s.`);
  }
  if (l['jobline-pg'] !== undefined) lines.push(`- Pickup p50 on PostgreSQL: ${fmt(l['jobline-pg'].p50, 2)} ms against a goal of ≤ ${GOALS.pickupP50Postgres} ms (${l['jobline-pg'].p50 <= GOALS.pickupP50Postgres ? 'met' : 'missed'}).`);
  if (l['jobline-sqlite'] !== undefined) lines.push(`- Pickup p50 on SQLite: ${fmt(l['jobline-sqlite'].p50, 2)} ms against a goal of ≤ ${GOALS.pickupP50Sqlite} ms (${l['jobline-sqlite'].p50 <= GOALS.pickupP50Sqlite ? 'met' : 'missed'}).`);
  lines.push('');
  lines.push('### Settings');
  lines.push('');
  lines.push(`- **Jobline**: one \`Worker\` with \`concurrency: ${o.concurrency}\` and \`prefetch: ${o.prefetch}\` (\`JOBLINE_WORKER_PREFETCH\`: up to ${o.prefetch} jobs claimed ahead and held in the worker's local queue, its counterpart of graphile-worker's \`localQueue\`) and \`batchSize: ${o.claimBatch}\` (jobs per claim), otherwise default options (completions batched while the previous batch is written); jobs created with \`createJobs\`, one transaction per batch; default durability (PostgreSQL as configured above; SQLite in WAL mode with \`synchronous=FULL\`). Jobline keeps every finished job and an attempt row per run.`);
  if (describe['graphile-worker'] !== undefined) {
    const g = describe['graphile-worker'].settings;
    lines.push(`- **graphile-worker ${describe['graphile-worker'].version}**: the batching settings of its performance docs — \`localQueue: { size: ${g.localQueue.size} }\`, \`completeJobBatchDelay: ${g.completeJobBatchDelay}\`, \`failJobBatchDelay: ${g.failJobBatchDelay}\` — with \`concurrentJobs: ${g.concurrentJobs}\` and \`maxPoolSize: ${g.maxPoolSize}\` (their perf test uses concurrency 24 with a pool of 25); jobs added with \`WorkerUtils.addJobs\`. Completed jobs are deleted.`);
  }
  if (describe['pg-boss'] !== undefined) {
    const p = describe['pg-boss'].settings;
    lines.push(`- **pg-boss ${describe['pg-boss'].version}** (10.x, the newest major that runs on Node 20; 11+ needs Node 22): pg-boss 10 has no per-worker concurrency option, so concurrency ${o.concurrency} is ${p.workers} \`work()\` loops, each fetching \`batchSize: ${p.batchSize}\` jobs per poll with \`pollingIntervalSeconds: ${p.pollingIntervalSeconds}\` (the minimum) — up to ${fmt(p.workers * p.batchSize)} jobs claimed at once; pool \`max: ${p.max}\`; jobs inserted with \`insert()\`; otherwise defaults (maintenance on, completed jobs kept).`);
  }
  if (describe.bullmq !== undefined) {
    const b = describe.bullmq;
    lines.push(`- **BullMQ ${b.version}** with ioredis ${b.ioredisVersion} on Redis ${b.redisVersion}: one \`Worker\` with \`concurrency: ${b.settings.concurrency}\`, jobs added with \`addBulk\`, \`removeOnComplete: { count: ${b.settings.removeOnComplete.count} }\` as its production guide advises.`);
  }
  lines.push('- pg-boss 11+ and graphile-worker 0.18 need Node 22 and are not measured; this project targets Node 20.');
  lines.push('');
  if (ENGINE_CHANGES.length > 0) {
    lines.push('### Engine changes measured with this benchmark');
    lines.push('');
    for (const c of ENGINE_CHANGES) lines.push(`- ${c}`);
    lines.push('');
  }
  lines.push('### Findings');
  lines.push('');
  for (const f of FINDINGS) lines.push(`- ${f}`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] === SELF && process.argv[2] === '--child') await childMain(process.argv[3]);
