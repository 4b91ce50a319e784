// A database of its own for one benchmark server: a fresh SQLite data directory, and on PostgreSQL a
// schema of its own reached through the URL's search_path (as `jobline serve --database-url` would),
// both removed by `drop`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** `databaseUrl` undefined means SQLite; `name` tells the directory and schema apart. */
export async function scratchDatabase(databaseUrl, name) {
  const dataDir = mkdtempSync(join(os.tmpdir(), `jobline-bench-${name}-`));
  let url;
  let dropSchema = async () => undefined;
  if (databaseUrl !== undefined) {
    const schema = `bench_${name}_${process.pid}`;
    const run = async (statement) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await run(`CREATE SCHEMA ${schema}`);
    const u = new URL(databaseUrl);
    u.searchParams.set('options', `-c search_path=${schema}`);
    url = u.toString();
    dropSchema = () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
  return {
    dataDir,
    databaseUrl: url,
    async drop() {
      await dropSchema();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
