import { describe, expect, it } from 'vitest';
import { serveConfig } from '../../src/config.js';

describe('serve configuration', () => {
  it('takes the worker prefetch from --prefetch, else JOBLINE_WORKER_PREFETCH, else 0', () => {
    expect(serveConfig({}, {}).workerPrefetch).toBe(0);
    expect(serveConfig({}, { JOBLINE_WORKER_PREFETCH: '200' }).workerPrefetch).toBe(200);
    expect(serveConfig({ prefetch: '50' }, { JOBLINE_WORKER_PREFETCH: '200' }).workerPrefetch).toBe(50);
  });

  it('stops on a prefetch that is not a non-negative integer, naming the setting', () => {
    expect(() => serveConfig({ prefetch: 'lots' }, {})).toThrow('--prefetch / JOBLINE_WORKER_PREFETCH must be a non-negative integer, not "lots".');
    expect(() => serveConfig({}, { JOBLINE_WORKER_PREFETCH: '-1' })).toThrow(/JOBLINE_WORKER_PREFETCH must be a non-negative integer/);
  });

  it('gives rendered copies of jobs 32 MiB unless JOBLINE_JOB_CACHE_MB says otherwise (0 keeps none)', () => {
    expect(serveConfig({}, {}).jobCacheMb).toBe(32);
    expect(serveConfig({}, { JOBLINE_JOB_CACHE_MB: '0' }).jobCacheMb).toBe(0);
    expect(serveConfig({}, { JOBLINE_JOB_CACHE_MB: '256' }).jobCacheMb).toBe(256);
    expect(() => serveConfig({}, { JOBLINE_JOB_CACHE_MB: '1.5' })).toThrow('JOBLINE_JOB_CACHE_MB must be a non-negative integer, not "1.5".');
  });

  it('takes request, header, keep-alive and idle timeouts and the connection cap from JOBLINE_*, refusing an idle limit that would cut long polls', () => {
    expect(serveConfig({}, {}).connections).toEqual({ requestTimeoutMs: 300_000, headersTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, idleTimeoutMs: 120_000, maxConnections: 10_000 });
    const env = { JOBLINE_REQUEST_TIMEOUT_MS: '900000', JOBLINE_HEADERS_TIMEOUT_MS: '5000', JOBLINE_KEEP_ALIVE_TIMEOUT_MS: '10000', JOBLINE_IDLE_TIMEOUT_MS: '0', JOBLINE_MAX_CONNECTIONS: '0' };
    expect(serveConfig({}, env).connections).toEqual({ requestTimeoutMs: 900_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 10_000, idleTimeoutMs: 0, maxConnections: 0 });
    expect(() => serveConfig({}, { JOBLINE_IDLE_TIMEOUT_MS: '30000' })).toThrow('JOBLINE_IDLE_TIMEOUT_MS must be 0 (no limit) or longer than the longest long poll (60000 ms), not 30000.');
    expect(() => serveConfig({}, { JOBLINE_MAX_CONNECTIONS: 'many' })).toThrow('JOBLINE_MAX_CONNECTIONS must be a non-negative integer, not "many".');
  });
});
