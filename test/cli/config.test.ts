import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/config/read.js';
import { serveConfig } from '../../src/config/serve-config.js';
import { SETTINGS } from '../../src/config/settings.js';
import { runCli } from '../support/processes.js';

describe('serve configuration', () => {
  it('takes the worker prefetch from --prefetch, else JOBLINE_WORKER_PREFETCH, else 0', () => {
    expect(serveConfig({}, {}).workerPrefetch).toBe(0);
    expect(serveConfig({}, { JOBLINE_WORKER_PREFETCH: '200' }).workerPrefetch).toBe(200);
    expect(serveConfig({ prefetch: '50' }, { JOBLINE_WORKER_PREFETCH: '200' }).workerPrefetch).toBe(50);
  });

  it('stops on a prefetch that is not a non-negative integer, naming where the value came from', () => {
    expect(() => serveConfig({ prefetch: 'lots' }, {})).toThrow(
      '--prefetch must be an integer of at least 0, got "lots".',
    );
    expect(() => serveConfig({}, { JOBLINE_WORKER_PREFETCH: '-1' })).toThrow(
      'JOBLINE_WORKER_PREFETCH must be an integer of at least 0, got "-1".',
    );
  });

  it('gives rendered copies of jobs 32 MiB unless JOBLINE_JOB_CACHE_MB says otherwise (0 keeps none)', () => {
    expect(serveConfig({}, {}).jobCacheMb).toBe(32);
    expect(serveConfig({}, { JOBLINE_JOB_CACHE_MB: '0' }).jobCacheMb).toBe(0);
    expect(serveConfig({}, { JOBLINE_JOB_CACHE_MB: '256' }).jobCacheMb).toBe(256);
    expect(() => serveConfig({}, { JOBLINE_JOB_CACHE_MB: '1.5' })).toThrow(
      'JOBLINE_JOB_CACHE_MB must be an integer of at least 0, got "1.5".',
    );
  });

  it('takes request, header, keep-alive and idle timeouts and the connection cap from JOBLINE_*, refusing an idle limit that would cut long polls', () => {
    expect(serveConfig({}, {}).connections).toEqual({
      requestTimeoutMs: 300_000,
      headersTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      idleTimeoutMs: 120_000,
      maxConnections: 10_000,
    });
    const env = {
      JOBLINE_REQUEST_TIMEOUT_MS: '900000',
      JOBLINE_HEADERS_TIMEOUT_MS: '5000',
      JOBLINE_KEEP_ALIVE_TIMEOUT_MS: '10000',
      JOBLINE_IDLE_TIMEOUT_MS: '0',
      JOBLINE_MAX_CONNECTIONS: '0',
    };
    expect(serveConfig({}, env).connections).toEqual({
      requestTimeoutMs: 900_000,
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 10_000,
      idleTimeoutMs: 0,
      maxConnections: 0,
    });
    expect(() => serveConfig({}, { JOBLINE_IDLE_TIMEOUT_MS: '30000' })).toThrow(
      'JOBLINE_IDLE_TIMEOUT_MS must be 0 (no limit) or an integer greater than 60000, got "30000"; a shorter limit would cut long polls, which stay silent up to that long.',
    );
    expect(() => serveConfig({}, { JOBLINE_MAX_CONNECTIONS: 'many' })).toThrow(
      'JOBLINE_MAX_CONNECTIONS must be an integer of at least 0, got "many".',
    );
  });
});

describe('settings shared by serve and worker', () => {
  it('have the same defaults in both commands', () => {
    const serve = readSettings('serve', {}, {});
    const worker = readSettings('worker', {}, {});
    const shared = {
      dataDir: './data',
      databaseUrl: undefined,
      logLevel: 'info',
      jobModules: [],
      workerConcurrency: 10,
      workerPrefetch: 0,
      leaseMs: 30_000,
      retentionDays: 30,
      fileLimit: 104_857_600,
      webhookAllowPrivate: false,
    };
    expect(serve).toMatchObject(shared);
    expect(worker).toEqual({ ...shared, shutdownTimeoutMs: 10_000 });
  });

  it('refuse the same bad value with the same message in both commands', () => {
    const bad: Record<string, string> = {
      JOBLINE_LEASE_MS: '0',
      JOBLINE_WORKER_CONCURRENCY: 'ten',
      JOBLINE_WORKER_PREFETCH: '-1',
      JOBLINE_RETENTION_DAYS: '1.5',
      JOBLINE_FILE_LIMIT: 'big',
      JOBLINE_WEBHOOK_ALLOW_PRIVATE: 'yes',
      JOBLINE_LOG_LEVEL: 'loud',
    };
    for (const [name, value] of Object.entries(bad)) {
      const message = (command: 'serve' | 'worker') => {
        try {
          readSettings(command, {}, { [name]: value });
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      };
      expect(message('serve'), name).toMatch(new RegExp(`^${name} must be .*, got "${value}"\\.$`));
      expect(message('worker'), name).toBe(message('serve'));
    }
  });

  it('hold a lease to at least a second, the shortest the heartbeats can keep', () => {
    expect(() => readSettings('worker', {}, { JOBLINE_LEASE_MS: '999' })).toThrow(
      'JOBLINE_LEASE_MS must be an integer of at least 1000, got "999".',
    );
    expect(readSettings('serve', {}, { JOBLINE_LEASE_MS: '1000' }).leaseMs).toBe(1000);
  });

  it('let serve run no worker with concurrency 0, which a worker process refuses', () => {
    expect(readSettings('serve', { concurrency: '0' }, {}).workerConcurrency).toBe(0);
    expect(() => readSettings('worker', { concurrency: '0' }, {})).toThrow(
      '--concurrency must be an integer of at least 0 (at least 1 for jobline worker), got "0".',
    );
  });

  it('read an empty variable as unset in every command', () => {
    const env = { JOBLINE_WORKER_CONCURRENCY: '', JOBLINE_LEASE_MS: '', JOBLINE_DATABASE_URL: '' };
    for (const command of ['serve', 'worker'] as const)
      expect(readSettings(command, {}, env)).toMatchObject({
        workerConcurrency: 10,
        leaseMs: 30_000,
        databaseUrl: undefined,
      });
  });

  it('bound the port to 0–65535 and list compatible APIs by name', () => {
    expect(() => serveConfig({ port: '65536' }, {})).toThrow('--port must be an integer from 0 to 65535, got "65536".');
    expect(serveConfig({}, { PORT: '65535' }).port).toBe(65535);
    expect(serveConfig({}, { JOBLINE_COMPAT_ROOT: ' asana, elasticpath,asana' }).compatAtRoot).toEqual([
      'asana',
      'elasticpath',
    ]);
  });
});

describe('jobline serve and jobline worker', () => {
  const data = mkdtempSync(join(tmpdir(), 'jobline-config-'));
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it.each([
    ['JOBLINE_LEASE_MS', '0', 'JOBLINE_LEASE_MS must be an integer of at least 1000, got "0".'],
    [
      'JOBLINE_WORKER_CONCURRENCY',
      'ten',
      'JOBLINE_WORKER_CONCURRENCY must be an integer of at least 0 (at least 1 for jobline worker), got "ten".',
    ],
  ])('stop on %s=%s with the same message before opening the database', async (name, value, message) => {
    const env = { [name]: value };
    const [serve, worker] = await Promise.all([
      runCli(['serve', '--data', data, '--port', '0'], { env, timeoutMs: 20_000 }),
      runCli(['worker', '--data', data], { env, timeoutMs: 20_000 }),
    ]);
    expect({ code: serve.code, stderr: serve.stderr.trim() }).toEqual({ code: 1, stderr: `Error: ${message}` });
    expect({ code: worker.code, stderr: worker.stderr.trim() }).toEqual({ code: 1, stderr: `Error: ${message}` });
  });
});

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = section
    .slice(section.indexOf('| flag |'), section.indexOf('\n\n', section.indexOf('| flag |')))
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

  it('has one row per setting, with its flag, variable, default and commands', () => {
    const code = (s: string | undefined) => (s === undefined ? '' : `\`${s}\``);
    const expected = Object.values(SETTINGS).map((s) => {
      const value = s.default as string | number | boolean | string[] | undefined;
      const shown = value === undefined || (Array.isArray(value) && value.length === 0) ? '—' : code(String(value));
      return [code(s.flag?.split(' ')[0]), code(s.env), shown, s.commands.map((c) => code(c)).join(', ')];
    });
    const documented = rows.map((cells) => cells.slice(0, 4));
    const key = (row: string[]) => row.join(' | ');
    expect(documented.map(key).sort()).toEqual(expected.map(key).sort());
  });
});
