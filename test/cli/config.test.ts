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
});
