import type { CompatApiName } from '../compat/index.js';
import type { ConnectionLimits } from '../http/connection-limits.js';
import { readSettings, type Flags } from './read.js';

/** What `jobline serve` runs with; each field is a setting of settings.ts, read and checked there. */
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
  /** A JSON file of job types declared without code (input schemas), stored in the database at start. */
  jobTypesFile: string | undefined;
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
  /** Compatible APIs served at the root path too. */
  compatAtRoot: CompatApiName[];
  /** Memory for rendered copies of polled jobs, in MiB; 0 keeps none. */
  jobCacheMb: number;
  /** Request, header, keep-alive and idle timeouts and the connection cap (src/http/connection-limits.ts). */
  connections: ConnectionLimits;
}

export function serveConfig(flags: Flags, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const {
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs,
    idleTimeoutMs,
    maxConnections,
    compatAtRoot,
    ...rest
  } = readSettings('serve', flags, env);
  return {
    ...rest,
    compatAtRoot: compatAtRoot as CompatApiName[],
    connections: { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs, maxConnections },
  };
}
