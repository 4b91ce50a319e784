import pg from 'pg';
import { POSTGRES_URL } from './databases.js';

let counter = 0;

/**
 * A new, empty PostgreSQL schema and a connection URL whose every connection uses it. The URL carries
 * `options=-c search_path=…`, which the pg driver passes to the server at connect time, so a separate
 * process (`jobline serve --database-url …`) lands in the schema without knowing about it.
 */
export async function postgresSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const schema = `cli_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(POSTGRES_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
