import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/migrations.js';
import { DIALECTS, skipUnlessAvailable } from '../support/databases.js';
import { runCli } from '../support/processes.js';
import { postgresSchema } from '../support/schemas.js';

describe.each(DIALECTS)('jobline migrate on %s', (dialect) => {
  const it_ = skipUnlessAvailable(dialect) ? it.skip : it;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** Fresh database flags for the CLI, and how the CLI names that database in its messages. */
  async function freshDatabase(): Promise<{ flags: string[]; where: RegExp }> {
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'jobline-cli-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      return {
        flags: ['--data', dir],
        where: new RegExp(`sqlite:${join(dir, 'jobline.sqlite').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
      };
    }
    const { url, schema, drop } = await postgresSchema();
    cleanups.push(drop);
    return { flags: ['--database-url', url], where: new RegExp(`postgres://.*search_path%3D${schema}`) };
  }

  const applied = loadMigrations(dialect)
    .map((m) => `${m.version} ${m.name}`)
    .join(', ');

  it_('prints what it applied, then that there is nothing to do', { timeout: 60_000 }, async () => {
    const db = await freshDatabase();
    const first = await runCli(['migrate', ...db.flags]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Applied ${applied} to ${db.where.source}\\.\\n$`));
    const second = await runCli(['migrate', ...db.flags]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^Nothing to do: ${db.where.source} is up to date\\.\\n$`));
  });

  it_(
    'applies each migration once when two processes migrate the same database at once',
    { timeout: 60_000 },
    async () => {
      const db = await freshDatabase();
      const results = await Promise.all([runCli(['migrate', ...db.flags]), runCli(['migrate', ...db.flags])]);
      for (const r of results) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
      // One did the work; the other waited for it and then found nothing left to do.
      const outputs = results.map((r) => r.stdout.replace(new RegExp(` ?${db.where.source}.*$`, 's'), '')).sort();
      expect(outputs).toEqual([`Applied ${applied} to`, 'Nothing to do:']);
    },
  );
});
