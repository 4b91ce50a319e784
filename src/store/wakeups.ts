import { EventEmitter } from 'node:events';
import type { Listener } from './dialect/dialect.js';
import type { Store } from './store.js';

// Wake-ups tell workers that there is work (a job was added or became runnable), tell the worker
// holding a job that its cancellation was requested, and tell event subscribers that a job has news. In one process an EventEmitter carries them;
// between processes, the dialect carries them (PostgreSQL's NOTIFY and LISTEN).
// Workers still poll slowly as a fallback, so a lost notification only delays, never loses, work.

export class Wakeups {
  private readonly local = new EventEmitter();
  private listener: Listener | undefined;
  private listening: Promise<void> | undefined;
  /** Whether other processes' wake-ups reach this process now (LISTEN in place). */
  private hearing = false;
  private closed = false;

  constructor(private readonly store: Store) {
    this.local.setMaxListeners(0);
    store.onClose(() => this.close());
    store.dialect.onEventAdded((jobId, workspaceId) => this.local.emit('event', jobId, workspaceId));
  }

  /** Call after the transaction that added runnable jobs committed. */
  jobsAdded(): void {
    this.local.emit('jobs');
    this.store.dialect.notify('jobs', '');
  }

  /**
   * Call after new jobs were inserted by the numbered insert (store/job-inserts.ts) and committed:
   * where that insert tells other processes itself, only this process's workers are left to wake.
   */
  jobsInserted(): void {
    if (this.store.dialect.insertsAnnounceJobs) this.local.emit('jobs');
    else this.jobsAdded();
  }

  /**
   * Call once new jobs of a workspace are inserted (after their handover, for jobs inserted already
   * claimed, services/handoff.ts): the workspace feed's followers hear of what the insert's triggers
   * left to this call (see the dialect's jobsCreated).
   */
  jobsCreated(workspaceId: string, handedOver: boolean): void {
    this.store.dialect.jobsCreated(workspaceId, handedOver, (id) => this.local.emit('event', '', id));
  }

  cancelRequested(jobId: string): void {
    this.local.emit('cancel', jobId);
    this.store.dialect.notify('cancel', jobId);
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
   * Jobs inserted claimed through a standing claim (store/dialect/dialect.ts standingClaims): the
   * NOTIFY's payload, JSON naming the worker and its jobs. After a lost connection between processes
   * is back, listeners are called once with '*': jobs may have been handed over unheard.
   */
  onJobsHandedOver(listener: (payload: string) => void): () => void {
    this.local.on('handoff', listener);
    this.listen();
    return () => this.local.off('handoff', listener);
  }

  /**
   * A job has new events (appended by a transaction that has committed, or is about to). After a lost
   * connection between processes is back, listeners are called once with '*' for both: news may have
   * been missed.
   */
  onJobEvent(listener: (jobId: string, workspaceId: string) => void): () => void {
    this.local.on('event', listener);
    this.listen();
    return () => this.local.off('event', listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  private listen(): void {
    if (this.listening !== undefined || this.closed) return;
    // Our own NOTIFYs come back too; local listeners already heard them, so only others' matter, but
    // hearing one twice is harmless (a worker just looks for work once more).
    const started = this.store.dialect.listen(
      (channel, payload) => {
        if (channel === 'jobs') this.local.emit('jobs');
        else if (channel === 'cancel') this.local.emit('cancel', payload);
        else if (channel === 'handoff') this.local.emit('handoff', payload);
        else {
          // "<job id> <workspace id>", or several job ids separated by commas (PostgreSQL migration 0041).
          const space = payload.indexOf(' ');
          const workspaceId = payload.slice(space + 1);
          for (const jobId of payload.slice(0, space).split(',')) this.local.emit('event', jobId, workspaceId);
        }
      },
      // Meanwhile workers poll. Tell them to look now, and again once the connection is back, in
      // case something was missed.
      () => {
        this.hearing = false;
        this.missed();
      },
      () => {
        this.hearing = true;
        this.missed();
      },
    );
    if (started === undefined) return;
    this.listening = started.then(
      async (listener) => {
        if (this.closed) await listener.close();
        else {
          this.listener = listener;
          this.hearing = true;
        }
      },
      () => {
        this.listening = undefined;
      },
    );
  }

  private missed(): void {
    this.local.emit('jobs');
    this.local.emit('handoff', '*');
    this.local.emit('event', '*', '*');
  }

  /** Whether wake-ups from other processes reach this one now (on a database that has them). */
  get hearsOtherProcesses(): boolean {
    return this.hearing;
  }

  /** Resolves when LISTEN is in place (tests wait for it before sending NOTIFYs from elsewhere). */
  async ready(): Promise<void> {
    await this.listening;
  }
}
