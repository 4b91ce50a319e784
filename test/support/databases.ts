import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import type { Policy, Services } from '../../src/services/context.js';
import type { JobDefinition } from '../../src/engine/define-job.js';
import { Registry } from '../../src/core/registry.js';
import { createServices } from '../../src/create-services.js';

export type Dialect = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.JOBLINE_TEST_DATABASE_URL || undefined;

/**
 * Every store and API test runs once per database: SQLite always, PostgreSQL when
 * JOBLINE_TEST_DATABASE_URL is set. Use with `describe.each(DIALECTS)`; without PostgreSQL its
 * suites are reported as skipped rather than silently missing.
 */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export function skipUnlessAvailable(dialect: Dialect): boolean {
  return dialect === 'postgres' && POSTGRES_URL === undefined;
}

let counter = 0;

/** A fresh database: a new SQLite file, or a new PostgreSQL schema. Returns its options and a cleanup. */
export function freshDatabase(dialect: Dialect): {
  options: { dataDir?: string; databaseUrl?: string; schema?: string };
  cleanup: () => Promise<void>;
} {
  if (dialect === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobline-test-'));
    return { options: { dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  // Files live in a data directory whatever the database.
  const dataDir = mkdtempSync(join(tmpdir(), 'jobline-test-'));
  return {
    options: { databaseUrl: POSTGRES_URL!, schema, dataDir },
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(public ms: number = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export async function testServices(
  dialect: Dialect,
  options: {
    clock?: Clock | undefined;
    definitions?: JobDefinition[] | undefined;
    policy?: Partial<Policy> | undefined;
  } = {},
): Promise<{ services: Services; cleanup: () => Promise<void> }> {
  const db = freshDatabase(dialect);
  const services = await createServices({
    ...db.options,
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.definitions !== undefined ? { registry: new Registry(options.definitions) } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
  });
  return {
    services,
    cleanup: async () => {
      await services.store.close();
      await db.cleanup();
    },
  };
}
