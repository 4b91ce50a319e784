import pg from 'pg';
import type { Listener, WakeupChannel } from './dialect.js';

// Wake-ups between processes on PostgreSQL: NOTIFY on the pool, LISTEN on one dedicated connection,
// which comes back after a pause when it is lost.

export const CHANNELS: Record<WakeupChannel, string> = {
  jobs: 'jobline_jobs',
  cancel: 'jobline_cancel',
  /**
   * NOTIFYed by the event triggers (migration 0005) with "<job id> <workspace id>", the status trigger
   * with up to 100 job ids separated by commas (migration 0041), and the job inserts with " <workspace
   * id>" for new jobs (postgres-created-events.ts).
   */
  events: 'jobline_events',
  /** NOTIFYed by the numbered insert with the jobs it inserted claimed by a standing claim (migration 0035). */
  handoff: 'jobline_handoff',
};

const BY_NAME = new Map(Object.entries(CHANNELS).map(([channel, name]) => [name, channel as WakeupChannel]));

export async function listenPostgres(
  pool: pg.Pool,
  schema: string | undefined,
  heard: (channel: WakeupChannel, payload: string) => void,
  lost: () => void,
  regained: () => void = () => undefined,
): Promise<Listener> {
  let closed = false;
  let client: pg.Client | undefined;
  // Reconnect after a pause, as often as it takes; meanwhile workers poll.
  const reconnect = (): void => {
    setTimeout(() => {
      if (!closed) connect().then(regained, reconnect);
    }, 1000).unref();
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: (pool.options as { connectionString?: string }).connectionString ?? '',
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
      // Named, so an operator (or a test) can tell it from the pool's connections in pg_stat_activity.
      application_name: schema !== undefined ? `jobline listener ${schema}` : 'jobline listener',
    });
    let listening = false;
    next.on('notification', (n) => {
      const channel = BY_NAME.get(n.channel);
      if (channel !== undefined) heard(channel, n.payload ?? '');
    });
    next.on('error', () => undefined);
    next.on('end', () => {
      if (closed || !listening) return; // a connection that never listened is retried by reconnect()
      client = undefined;
      reconnect();
      lost();
    });
    try {
      await next.connect();
      for (const name of BY_NAME.keys()) await next.query(`LISTEN ${name}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    listening = true;
    if (closed) await next.end();
    else client = next;
  };
  await connect();
  return {
    async close() {
      closed = true;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
