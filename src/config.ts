import { COMPAT_API_NAMES, isCompatApiName, type CompatApiName } from './compat/index.js';
import { DEFAULT_CONNECTION_LIMITS, LONGEST_WAIT_MS, type ConnectionLimits } from './http/connection-limits.js';

// Every setting, with its environment variable and default, in one place; README's table mirrors it.
export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  bodyLimit: number;
  rateLimit: number;
  logLevel: string;
  /** Handler modules (`--jobs`) whose job types this process runs. */
  jobModules: string[];
  /** Jobs the in-process worker runs at once; 0 runs no worker in this process. */
  workerConcurrency: number;
  /** Jobs the worker claims ahead of free slots (a local queue for many short jobs); 0 claims none ahead. */
  workerPrefetch: number;
  /** How long a claimed job stays a worker's without a heartbeat. */
  leaseMs: number;
  /** Finished jobs and uploads are kept this long, then a job answers 410 Gone. */
  retentionDays: number;
  /** Largest file, uploaded or written by a handler. */
  fileLimit: number;
  /** Webhook and callback URLs may point at loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
  /** Compatible APIs served at the root path too (JOBLINE_COMPAT_ROOT, comma-separated names). */
  compatAtRoot: CompatApiName[];
  /** Memory for rendered copies of polled jobs, in MiB; 0 keeps none. */
  jobCacheMb: number;
  /** Request, header, keep-alive and idle timeouts and the connection cap (src/http/connection-limits.ts). */
  connections: ConnectionLimits;
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(value)}.`);
  return n;
}

/** JOBLINE_COMPAT_ROOT: compatible API names, e.g. `asana,elasticpath`; an unknown name stops the start. */
export function compatAtRoot(value: string | undefined): CompatApiName[] {
  const names = (value ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = names.filter((n) => !isCompatApiName(n));
  if (unknown.length > 0) throw new Error(`JOBLINE_COMPAT_ROOT names unknown compatible APIs (${unknown.join(', ')}); known: ${COMPAT_API_NAMES.join(', ')}.`);
  return [...new Set(names)] as CompatApiName[];
}

/** JOBLINE_WEBHOOK_ALLOW_PRIVATE: `true` or unset/`false`; anything else is a mistake worth stopping for. */
export function webhookAllowPrivate(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.JOBLINE_WEBHOOK_ALLOW_PRIVATE;
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`JOBLINE_WEBHOOK_ALLOW_PRIVATE must be true or false, not ${JSON.stringify(value)}.`);
}

export function serveConfig(flags: { port?: string; host?: string; data?: string; databaseUrl?: string; jobs?: string[]; concurrency?: string; prefetch?: string }, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const port = int('--port / PORT', flags.port ?? env.PORT, 8080);
  if (port > 65535) throw new Error(`--port must be at most 65535, not ${port}.`);
  return {
    port,
    host: flags.host ?? env.JOBLINE_HOST ?? '127.0.0.1',
    dataDir: flags.data ?? env.JOBLINE_DATA_DIR ?? './data',
    databaseUrl: flags.databaseUrl ?? (env.JOBLINE_DATABASE_URL || undefined),
    adminToken: env.JOBLINE_ADMIN_TOKEN || undefined,
    bodyLimit: int('JOBLINE_BODY_LIMIT', env.JOBLINE_BODY_LIMIT, 10 * 1024 * 1024),
    rateLimit: int('JOBLINE_RATE_LIMIT', env.JOBLINE_RATE_LIMIT, 1200),
    logLevel: env.JOBLINE_LOG_LEVEL ?? 'info',
    jobModules: flags.jobs ?? (env.JOBLINE_JOBS ?? '').split(',').filter((p) => p !== ''),
    workerConcurrency: int('--concurrency / JOBLINE_WORKER_CONCURRENCY', flags.concurrency ?? env.JOBLINE_WORKER_CONCURRENCY, 10),
    workerPrefetch: int('--prefetch / JOBLINE_WORKER_PREFETCH', flags.prefetch ?? env.JOBLINE_WORKER_PREFETCH, 0),
    leaseMs: int('JOBLINE_LEASE_MS', env.JOBLINE_LEASE_MS, 30_000),
    retentionDays: int('JOBLINE_RETENTION_DAYS', env.JOBLINE_RETENTION_DAYS, 30),
    fileLimit: int('JOBLINE_FILE_LIMIT', env.JOBLINE_FILE_LIMIT, 100 * 1024 * 1024),
    webhookAllowPrivate: webhookAllowPrivate(env),
    compatAtRoot: compatAtRoot(env.JOBLINE_COMPAT_ROOT),
    jobCacheMb: int('JOBLINE_JOB_CACHE_MB', env.JOBLINE_JOB_CACHE_MB, 32),
    connections: connectionLimits(env),
  };
}

/** JOBLINE_*_TIMEOUT_MS and JOBLINE_MAX_CONNECTIONS. */
export function connectionLimits(env: NodeJS.ProcessEnv = process.env): ConnectionLimits {
  const d = DEFAULT_CONNECTION_LIMITS;
  const limits: ConnectionLimits = {
    requestTimeoutMs: int('JOBLINE_REQUEST_TIMEOUT_MS', env.JOBLINE_REQUEST_TIMEOUT_MS, d.requestTimeoutMs),
    headersTimeoutMs: int('JOBLINE_HEADERS_TIMEOUT_MS', env.JOBLINE_HEADERS_TIMEOUT_MS, d.headersTimeoutMs),
    keepAliveTimeoutMs: int('JOBLINE_KEEP_ALIVE_TIMEOUT_MS', env.JOBLINE_KEEP_ALIVE_TIMEOUT_MS, d.keepAliveTimeoutMs),
    idleTimeoutMs: int('JOBLINE_IDLE_TIMEOUT_MS', env.JOBLINE_IDLE_TIMEOUT_MS, d.idleTimeoutMs),
    maxConnections: int('JOBLINE_MAX_CONNECTIONS', env.JOBLINE_MAX_CONNECTIONS, d.maxConnections),
  };
  if (limits.headersTimeoutMs < 1) throw new Error('JOBLINE_HEADERS_TIMEOUT_MS must be a positive number of milliseconds.');
  if (limits.keepAliveTimeoutMs < 1) throw new Error('JOBLINE_KEEP_ALIVE_TIMEOUT_MS must be a positive number of milliseconds.');
  // Long polls and the streams' keep-alive comments stay silent this long; a shorter idle limit would cut them.
  if (limits.idleTimeoutMs !== 0 && limits.idleTimeoutMs <= LONGEST_WAIT_MS) {
    throw new Error(`JOBLINE_IDLE_TIMEOUT_MS must be 0 (no limit) or longer than the longest long poll (${LONGEST_WAIT_MS} ms), not ${limits.idleTimeoutMs}.`);
  }
  return limits;
}
