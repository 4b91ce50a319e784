import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { COMPAT_API_NAMES } from '../compat/index.js';
import { DEFAULT_CONNECTION_LIMITS, LONGEST_WAIT_MS } from '../http/connection-limits.js';

/** The commands that read settings: `migrate`, `token …` and `client …` are `admin`; `jobs …` are `jobs`. */
export type CommandName = 'serve' | 'worker' | 'admin' | 'jobs';

/**
 * One setting: where it comes from (a `--flag`, which wins, else an environment variable), its type and
 * bounds as a TypeBox schema, and the commands that read it. README's configuration table has one row
 * per setting (test/cli/config.test.ts holds them together).
 */
export interface Setting<
  S extends TSchema = TSchema,
  D = unknown,
  C extends readonly CommandName[] = readonly CommandName[],
> {
  /** Environment variable, e.g. `JOBLINE_LEASE_MS`. */
  env?: string;
  /** Commander option, e.g. `--port <port>`; variadic (`<modules...>`) gives a list. */
  flag?: string;
  schema: S;
  default: D;
  commands: C;
  /** A tighter schema for one command, and the words every command's message adds for it. */
  narrower?: Partial<Record<CommandName, { schema: S; note: string }>>;
  /** Appended to the message when a value is refused, when the bound alone does not say why. */
  why?: string;
}

function setting<S extends TSchema, D extends Static<S> | undefined, const C extends readonly CommandName[]>(
  s: Setting<S, D, C>,
): Setting<S, D, C> {
  return s;
}

const integer = (minimum: number, description?: string) => Type.Integer({ minimum, description });
const SERVE_AND_WORKER = ['serve', 'worker'] as const;
const DATABASE_USERS = ['serve', 'worker', 'admin'] as const;

// Pino's levels; anything else stopped pino at start with a message that did not name the setting.
const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)));

// A lease is renewed every third of its length, but no more often than every 100 ms, and expired leases
// are reaped at most every 500 ms (engine/worker.ts): a shorter lease would expire between renewals of
// a job that is still running (0 would hand every claimed job straight to the reaper).
const SHORTEST_LEASE_MS = 1000;

export const SETTINGS = {
  port: setting({
    flag: '--port <port>',
    env: 'PORT',
    schema: Type.Integer({ minimum: 0, maximum: 65535, description: 'port to listen on' }),
    default: 8080,
    commands: ['serve'],
  }),
  host: setting({
    flag: '--host <host>',
    env: 'JOBLINE_HOST',
    schema: Type.String({ description: 'interface to bind' }),
    default: '127.0.0.1',
    commands: ['serve'],
  }),
  dataDir: setting({
    flag: '--data <dir>',
    env: 'JOBLINE_DATA_DIR',
    schema: Type.String({ description: 'data directory for SQLite and files' }),
    default: './data',
    commands: DATABASE_USERS,
  }),
  databaseUrl: setting({
    flag: '--database-url <url>',
    env: 'JOBLINE_DATABASE_URL',
    schema: Type.String({ description: 'postgres://… to use PostgreSQL' }),
    default: undefined,
    commands: DATABASE_USERS,
  }),
  adminToken: setting({ env: 'JOBLINE_ADMIN_TOKEN', schema: Type.String(), default: undefined, commands: ['serve'] }),
  bodyLimit: setting({
    env: 'JOBLINE_BODY_LIMIT',
    schema: integer(0, 'largest request body in bytes'),
    default: 10 * 1024 * 1024,
    commands: ['serve'],
  }),
  rateLimit: setting({
    env: 'JOBLINE_RATE_LIMIT',
    schema: integer(0, 'requests per token per minute'),
    default: 1200,
    commands: ['serve'],
  }),
  logLevel: setting({ env: 'JOBLINE_LOG_LEVEL', schema: LogLevel, default: 'info', commands: SERVE_AND_WORKER }),
  jobModules: setting({
    flag: '--jobs <modules...>',
    env: 'JOBLINE_JOBS',
    schema: Type.Array(Type.String(), {
      description: 'handler modules (.ts, .js) or directories of them, exporting defineJob(...) results',
    }),
    default: [],
    commands: SERVE_AND_WORKER,
  }),
  jobTypesFile: setting({
    flag: '--job-types <file>',
    env: 'JOBLINE_JOB_TYPES_FILE',
    schema: Type.String({ description: 'JSON file of job types declared without code, stored at start' }),
    default: undefined,
    commands: ['serve'],
  }),
  workerConcurrency: setting({
    flag: '--concurrency <n>',
    env: 'JOBLINE_WORKER_CONCURRENCY',
    schema: integer(0, 'jobs a worker runs at once; 0 runs no worker in serve'),
    default: 10,
    commands: SERVE_AND_WORKER,
    // serve with 0 answers the API and runs no jobs; a worker process with 0 would do nothing at all.
    narrower: { worker: { schema: integer(1, 'jobs the worker runs at once'), note: 'at least 1 for jobline worker' } },
  }),
  workerPrefetch: setting({
    flag: '--prefetch <n>',
    env: 'JOBLINE_WORKER_PREFETCH',
    schema: integer(0, 'jobs a worker claims ahead of free slots and holds until one frees; 0 for none'),
    default: 0,
    commands: SERVE_AND_WORKER,
  }),
  leaseMs: setting({
    env: 'JOBLINE_LEASE_MS',
    schema: integer(SHORTEST_LEASE_MS, 'how long a claimed job stays a worker’s without a heartbeat'),
    default: 30_000,
    commands: SERVE_AND_WORKER,
  }),
  // A worker writes handlers' files too: their size limit and expiry must be the server's.
  retentionDays: setting({
    env: 'JOBLINE_RETENTION_DAYS',
    schema: integer(0, 'days finished jobs and uploads are kept'),
    default: 30,
    commands: SERVE_AND_WORKER,
  }),
  fileLimit: setting({
    env: 'JOBLINE_FILE_LIMIT',
    schema: integer(0, 'largest file in bytes'),
    default: 100 * 1024 * 1024,
    commands: SERVE_AND_WORKER,
  }),
  webhookAllowPrivate: setting({
    env: 'JOBLINE_WEBHOOK_ALLOW_PRIVATE',
    schema: Type.Boolean(),
    default: false,
    commands: SERVE_AND_WORKER,
  }),
  compatAtRoot: setting({
    env: 'JOBLINE_COMPAT_ROOT',
    schema: Type.Array(Type.Union(COMPAT_API_NAMES.map((n) => Type.Literal(n)))),
    default: [],
    commands: ['serve'],
  }),
  jobCacheMb: setting({
    env: 'JOBLINE_JOB_CACHE_MB',
    schema: integer(0, 'MiB for rendered copies of polled jobs'),
    default: 32,
    commands: ['serve'],
  }),
  requestTimeoutMs: setting({
    env: 'JOBLINE_REQUEST_TIMEOUT_MS',
    schema: integer(0),
    default: DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
    commands: ['serve'],
  }),
  headersTimeoutMs: setting({
    env: 'JOBLINE_HEADERS_TIMEOUT_MS',
    schema: integer(1),
    default: DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
    commands: ['serve'],
  }),
  keepAliveTimeoutMs: setting({
    env: 'JOBLINE_KEEP_ALIVE_TIMEOUT_MS',
    schema: integer(1),
    default: DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs,
    commands: ['serve'],
  }),
  idleTimeoutMs: setting({
    env: 'JOBLINE_IDLE_TIMEOUT_MS',
    schema: Type.Union([
      Type.Literal(0, { description: 'no limit' }),
      Type.Integer({ exclusiveMinimum: LONGEST_WAIT_MS }),
    ]),
    default: DEFAULT_CONNECTION_LIMITS.idleTimeoutMs,
    commands: ['serve'],
    why: 'a shorter limit would cut long polls, which stay silent up to that long',
  }),
  maxConnections: setting({
    env: 'JOBLINE_MAX_CONNECTIONS',
    schema: integer(0),
    default: DEFAULT_CONNECTION_LIMITS.maxConnections,
    commands: ['serve'],
  }),
  shutdownTimeoutMs: setting({
    flag: '--shutdown-timeout <ms>',
    schema: integer(1, 'on SIGTERM, how long running handlers may take to finish'),
    default: 10_000,
    commands: ['worker'],
  }),
  url: setting({
    flag: '--url <url>',
    env: 'JOBLINE_URL',
    schema: Type.String({ description: 'server URL' }),
    default: 'http://127.0.0.1:8080',
    commands: ['jobs'],
  }),
  token: setting({
    flag: '--token <token>',
    env: 'JOBLINE_TOKEN',
    schema: Type.String({ description: 'API token' }),
    default: undefined,
    commands: ['jobs'],
  }),
};

export type SettingName = keyof typeof SETTINGS;

type ValueOf<K extends SettingName> =
  (typeof SETTINGS)[K] extends Setting<infer S, infer D, readonly CommandName[]> ? Static<S> | D : never;

/** The settings a command reads, typed: `Settings<'worker'>['leaseMs']` is a number. */
export type Settings<C extends CommandName> = {
  [K in SettingName as C extends (typeof SETTINGS)[K]['commands'][number] ? K : never]: ValueOf<K>;
};
