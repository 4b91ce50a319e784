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
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(value)}.`);
  return n;
}

export function serveConfig(flags: { port?: string; host?: string; data?: string; databaseUrl?: string }, env: NodeJS.ProcessEnv = process.env): ServeConfig {
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
  };
}
