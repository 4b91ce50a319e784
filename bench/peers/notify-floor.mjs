// The floor under any pickup across processes on PostgreSQL: a one-row INSERT that NOTIFYs in the same
// statement, committed on one connection and heard by LISTEN on another, with no job system around it.
// A job service woken by NOTIFY cannot start a job sooner than this on the same server and disk.
import pg from 'pg';

export async function notifyFloor(o) {
  const schema = `bench_queue_floor_${process.pid}`;
  const channel = `${schema}_jobs`;
  const producer = new pg.Client({ connectionString: o.databaseUrl });
  const listener = new pg.Client({ connectionString: o.databaseUrl });
  await producer.connect();
  await listener.connect();
  await producer.query(`CREATE SCHEMA ${schema}`);
  await producer.query(`CREATE TABLE ${schema}.jobs (id bigserial PRIMARY KEY, data jsonb NOT NULL)`);
  const insert = {
    name: 'floor_insert',
    text: `WITH j AS (INSERT INTO ${schema}.jobs (data) VALUES ($1) RETURNING data) SELECT pg_notify('${channel}', data::text) FROM j`,
  };
  return {
    describe: () => ({ schema }),
    async insertOne(data) {
      await producer.query({ ...insert, values: [JSON.stringify(data)] });
    },
    async start() {
      listener.on('notification', (n) => o.onJob(JSON.parse(n.payload)));
      await listener.query(`LISTEN ${channel}`);
    },
    async close() {
      await listener.end();
      await producer.query(`DROP SCHEMA ${schema} CASCADE`);
      await producer.end();
    },
  };
}
