import type { JobEvent } from '../core/events.js';
import type { Store } from '../store/store.js';
import type { Wakeups } from '../store/wakeups.js';
import { listJobEvents, readFeed, type FeedCursor, type FeedFilter } from '../store/events.js';

// Fan-out of job events to live subscribers (SSE streams, long polls) in this process. The database
// is the only source: a wake-up only says "job X has news", and subscribers read what is new after
// their own position, so a lost or duplicated wake-up can neither skip nor repeat an event.
//
// Subscribers of one job share one channel and one read per wake-up: a thousand browsers watching a
// job cost one query per change, not a thousand.

const PAGE = 500;
/** How soon to look again when PostgreSQL held back events of transactions not yet settled. */
const UNSETTLED_RETRY_MS = 25;
/** …doubling while they stay unsettled (a long transaction holds them back), up to this. */
const UNSETTLED_RETRY_MAX_MS = 1000;
/** A slow safety net in case a wake-up was lost (a dropped LISTEN connection is caught faster). */
const SAFETY_POLL_MS = 10_000;

export type Unsubscribe = () => void;

interface JobSubscriber {
  after: number;
  deliver: (events: JobEvent[]) => void;
}

interface JobChannel {
  subscribers: Set<JobSubscriber>;
  reading: boolean;
  again: boolean;
}

interface FeedSubscriber {
  workspaceId: string;
  cursor: FeedCursor;
  filter: FeedFilter;
  deliver: (events: JobEvent[], cursor: FeedCursor) => void;
  reading: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
  /** Looks in a row that found unsettled events: a long transaction should not make us poll hot. */
  unsettledStreak: number;
  /** Unsubscribed: a read still under way delivers nothing and schedules no retry. */
  closed: boolean;
}

/** What the hub holds right now; all zero once every subscriber is gone and its reads are over. */
export interface HubActivity {
  subscribers: number;
  /** Reads under way (one per job channel or feed subscriber at most). */
  reads: number;
  /** Feed subscribers waiting to look again at events PostgreSQL held back. */
  retries: number;
}

export class EventHub {
  private readonly jobs = new Map<string, JobChannel>();
  private readonly feeds = new Map<string, Set<FeedSubscriber>>();
  private stopWakeups: (() => void) | undefined;
  private reads = 0;
  private retries = 0;
  private safety: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly wakeups: Wakeups,
  ) {
    store.onClose(async () => this.close());
  }

  /** Calls `deliver` with the job's events after `afterSeq`, now and as they happen, in order, each once. */
  followJob(jobId: string, afterSeq: number, deliver: (events: JobEvent[]) => void): Unsubscribe {
    this.start();
    let channel = this.jobs.get(jobId);
    if (channel === undefined) {
      channel = { subscribers: new Set(), reading: false, again: false };
      this.jobs.set(jobId, channel);
    }
    const subscriber: JobSubscriber = { after: afterSeq, deliver };
    channel.subscribers.add(subscriber);
    this.readJob(jobId);
    return () => {
      const c = this.jobs.get(jobId);
      if (c === undefined) return;
      c.subscribers.delete(subscriber);
      if (c.subscribers.size === 0) this.jobs.delete(jobId);
      this.stopIfIdle();
    };
  }

  /** The same for a workspace's feed: events after `cursor` that pass `filter`. */
  followFeed(
    workspaceId: string,
    cursor: FeedCursor,
    filter: FeedFilter,
    deliver: (events: JobEvent[], cursor: FeedCursor) => void,
  ): Unsubscribe {
    this.start();
    const subscriber: FeedSubscriber = {
      workspaceId,
      cursor,
      filter,
      deliver,
      reading: false,
      again: false,
      retry: undefined,
      unsettledStreak: 0,
      closed: false,
    };
    let set = this.feeds.get(workspaceId);
    if (set === undefined) {
      set = new Set();
      this.feeds.set(workspaceId, set);
    }
    set.add(subscriber);
    this.readFeed(subscriber);
    return () => {
      subscriber.closed = true;
      this.cancelRetry(subscriber);
      const s = this.feeds.get(workspaceId);
      s?.delete(subscriber);
      if (s?.size === 0) this.feeds.delete(workspaceId);
      this.stopIfIdle();
    };
  }

  activity(): HubActivity {
    let subscribers = 0;
    for (const c of this.jobs.values()) subscribers += c.subscribers.size;
    for (const set of this.feeds.values()) subscribers += set.size;
    return { subscribers, reads: this.reads, retries: this.retries };
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.jobs.clear();
    for (const set of this.feeds.values()) {
      for (const s of set) {
        s.closed = true;
        this.cancelRetry(s);
      }
    }
    this.feeds.clear();
  }

  private cancelRetry(s: FeedSubscriber): void {
    if (s.retry === undefined) return;
    clearTimeout(s.retry);
    s.retry = undefined;
    this.retries--;
  }

  private start(): void {
    if (this.stopWakeups !== undefined || this.closed) return;
    this.stopWakeups = this.wakeups.onJobEvent((jobId, workspaceId) => this.wake(jobId, workspaceId));
    this.safety = setInterval(() => this.wake('*', '*'), SAFETY_POLL_MS);
    this.safety.unref();
  }

  private stopIfIdle(): void {
    if (this.jobs.size === 0 && this.feeds.size === 0) this.stop();
  }

  private stop(): void {
    this.stopWakeups?.();
    this.stopWakeups = undefined;
    clearInterval(this.safety);
    this.safety = undefined;
  }

  private wake(jobId: string, workspaceId: string): void {
    if (jobId === '*') for (const id of this.jobs.keys()) this.readJob(id);
    else if (this.jobs.has(jobId)) this.readJob(jobId);
    const feeds =
      workspaceId === '*' ? [...this.feeds.values()].flatMap((s) => [...s]) : [...(this.feeds.get(workspaceId) ?? [])];
    for (const s of feeds) this.readFeed(s);
  }

  /** One read for all of a job's subscribers, from the earliest position among them. */
  private readJob(jobId: string): void {
    const channel = this.jobs.get(jobId);
    if (channel === undefined) return;
    if (channel.reading) {
      channel.again = true;
      return;
    }
    channel.reading = true;
    this.reads++;
    const run = async (): Promise<void> => {
      do {
        channel.again = false;
        for (;;) {
          if (channel.subscribers.size === 0) return;
          const from = Math.min(...[...channel.subscribers].map((s) => s.after));
          const events = await listJobEvents(this.store, jobId, from, PAGE);
          for (const s of channel.subscribers) {
            const fresh = events.filter((e) => e.seq > s.after);
            if (fresh.length === 0) continue;
            s.after = fresh.at(-1)!.seq;
            s.deliver(fresh);
          }
          if (events.length < PAGE) break;
        }
      } while (channel.again);
    };
    run()
      .catch(() => {
        // The database is unreachable for now; the next wake-up or the safety poll reads again.
      })
      .finally(() => {
        channel.reading = false;
        this.reads--;
      });
  }

  private readFeed(s: FeedSubscriber): void {
    if (s.closed) return;
    if (s.reading) {
      s.again = true;
      return;
    }
    s.reading = true;
    this.reads++;
    const run = async (): Promise<void> => {
      do {
        s.again = false;
        for (;;) {
          const page = await readFeed(this.store, s.workspaceId, s.cursor, s.filter, PAGE);
          // Unsubscribed while the read was under way (the client left): nobody to deliver to, and a
          // retry would keep reading for a gone stream as long as a transaction holds events back.
          if (s.closed) return;
          s.cursor = page.next;
          if (page.events.length > 0) s.deliver(page.events, page.next);
          s.unsettledStreak = page.unsettled ? s.unsettledStreak + 1 : 0;
          if (page.unsettled && s.retry === undefined) {
            this.retries++;
            s.retry = setTimeout(
              () => {
                s.retry = undefined;
                this.retries--;
                this.readFeed(s);
              },
              Math.min(UNSETTLED_RETRY_MAX_MS, UNSETTLED_RETRY_MS * 2 ** Math.min(6, s.unsettledStreak - 1)),
            );
          }
          if (page.events.length < PAGE) break;
        }
      } while (s.again);
    };
    run()
      .catch(() => undefined)
      .finally(() => {
        s.reading = false;
        this.reads--;
      });
  }
}
