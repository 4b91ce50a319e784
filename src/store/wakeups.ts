import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Store } from './store.js';

// Wake-ups tell workers that there is work (a job was added or became runnable), tell the worker
// holding a job that its cancellation was requested, and tell event subscribers that a job has news. In one process an EventEmitter carries them;
// on PostgreSQL, NOTIFY carries them to every other process too (LISTEN on one dedicated connection).
// Workers still poll slowly as a fallback, so a lost notification only delays, never loses, work.

const JOBS_CHANNEL = 'jobline_jobs';
const CANCEL_CHANNEL = 'jobline_cancel';
/** NOTIFYed by the event triggers (migration 0005) with "<job id> <workspace id>". */
const EVENTS_CHANNEL = 'jobline_events';

export class Wakeups {
  private readonly local = new EventEmitter();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: Store) {
    this.local.setMaxListeners(0);
    store.onClose(() => this.close());
    store.sqliteEvents.on('event', (jobId: string, workspaceId: string) =>
      this.local.emit('event', jobId, workspaceId),
    );
  }

  /** Call after the transaction that added runnable jobs committed. */
  jobsAdded(): void {
    this.local.emit('jobs');
    if (this.store.capabilities.listenNotify) this.notify(JOBS_CHANNEL, '');
  }

  /**
   * Call once new jobs of a workspace are inserted (after their handover, for jobs inserted already
   * claimed, services/handoff.ts): the workspace feed's followers hear of them. What the triggers leave
   * to this call: on PostgreSQL, the jobs handed over (the insert's NOTIFY would wake every listening
   * process just as the job starts, migration 0020); on SQLite, every new job (a call into JavaScript
   * per job from the trigger was a visible part of the insert, migration 0021).
   */
  jobsCreated(workspaceId: string, handedOver: boolean): void {
    if (this.store.raw.kind === 'sqlite') this.local.emit('event', '', workspaceId);
    else if (handedOver) this.notify(EVENTS_CHANNEL, ` ${workspaceId}`);
  }

  cancelRequested(jobId: string): void {
    this.local.emit('cancel', jobId);
    if (this.store.capabilities.listenNotify) this.notify(CANCEL_CHANNEL, jobId);
  }

  onJobsAdded(listener: () => void): () => void {
    this.local.on('jobs', listener);
    this.listen();
    return () => this.local.off('jobs', listener);
  }

  onCancelRequested(listener: (jobId: string) => void): () => void {
    this.local.on('cancel', listener);
    this.listen();
    return () => this.local.off('cancel', listener);
  }

  /**
   * A job has new events (appended by a transaction that has committed, or is about to). After a lost
   * PostgreSQL connection is back, listeners are called once with '*' for both: news may have been missed.
   */
  onJobEvent(listener: (jobId: string, workspaceId: string) => void): () => void {
    this.local.on('event', listener);
    this.listen();
    return () => this.local.off('event', listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }

  private notify(channel: string, payload: string): void {
    if (this.store.raw.kind !== 'postgres') return;
    // Fire and forget: the poll fallback covers a notification that could not be sent.
    this.store.raw.pool.query('SELECT pg_notify($1, $2)', [channel, payload]).catch(() => undefined);
  }

  private listen(): void {
    if (this.listening !== undefined || this.store.raw.kind !== 'postgres' || this.closed) return;
    const raw = this.store.raw;
    const connect = async (): Promise<void> => {
      const client = new pg.Client({
        connectionString: poolConnectionString(raw.pool),
        ...(raw.schema !== undefined ? { options: `-c search_path=${raw.schema}` } : {}),
      });
      client.on('notification', (n) => {
        // Our own NOTIFYs come back too; local listeners already heard them, so only others' matter,
        // but hearing one twice is harmless (a worker just looks for work once more).
        if (n.channel === JOBS_CHANNEL) this.local.emit('jobs');
        else if (n.channel === CANCEL_CHANNEL && n.payload !== undefined) this.local.emit('cancel', n.payload);
        else if (n.channel === EVENTS_CHANNEL && n.payload !== undefined) {
          const space = n.payload.indexOf(' ');
          this.local.emit('event', n.payload.slice(0, space), n.payload.slice(space + 1));
        }
      });
      client.on('error', () => undefined);
      client.on('end', () => {
        if (this.closed) return;
        this.listener = undefined;
        // Reconnect after a pause; meanwhile workers poll. Tell them to look now, in case something was missed.
        setTimeout(() => {
          if (!this.closed) connect().catch(() => undefined);
        }, 1000).unref();
        this.local.emit('jobs');
        this.local.emit('event', '*', '*');
      });
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
      await client.query(`LISTEN ${CANCEL_CHANNEL}`);
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (this.closed) await client.end();
      else this.listener = client;
    };
    this.listening = connect().catch(() => {
      this.listening = undefined;
    });
  }

  /** Resolves when LISTEN is in place (tests wait for it before sending NOTIFYs from elsewhere). */
  async ready(): Promise<void> {
    await this.listening;
  }
}

function poolConnectionString(pool: pg.Pool): string {
  return (pool.options as { connectionString?: string }).connectionString ?? '';
}
