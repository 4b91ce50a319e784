import type { ManyReads } from './dialect/dialect.js';
import type { Store } from './store.js';

/**
 * Reads that arrive together go to the database together. The API handles the requests that are
 * ready as one batch (see http/plugins/request-hooks.ts), and on PostgreSQL each of their reads
 * would otherwise be a round trip of its own; a batcher collects the keys asked for until the
 * current turn of the event loop has run its promise jobs, then reads them all with one statement.
 *
 * Nothing is kept between batches: a key asked for after a batch was sent goes into the next one,
 * so a request always reads the database after it started, and sees every change committed before.
 * Keys asked for twice within a batch are read once.
 *
 * When the batch's statement fails, each of its keys is read again on its own: a batch must not
 * fail more requests than reading them one by one would have (a dropped connection, say, fails one
 * statement), and a key's error is then its own.
 */
export interface ReadBatcher<K, V> {
  load(key: K): Promise<V>;
}

/** How many statements a store's batchers sent, for tests and diagnostics. */
export interface ReadBatchStats {
  /** Statements that read a whole batch. */
  batches: number;
  /** Keys those statements read (after removing duplicates). */
  keys: number;
  /** The most keys one statement read. */
  largest: number;
  /** Statements that read one key alone after its batch failed. */
  retries: number;
}

const stats = new WeakMap<Store, Map<string, ReadBatchStats>>();

/** The statements of a store's batchers of one kind (`details`, `jobs`, `tokens`), or of all. */
export function readBatchStats(store: Store, kind = 'all'): ReadBatchStats {
  let kinds = stats.get(store);
  if (kinds === undefined) {
    kinds = new Map();
    stats.set(store, kinds);
  }
  let s = kinds.get(kind);
  if (s === undefined) {
    s = { batches: 0, keys: 0, largest: 0, retries: 0 };
    kinds.set(kind, s);
  }
  return s;
}

// A bound on one statement's arrays: a larger batch is split and its statements run side by side
// on the pool's connections. Large enough that a burst of polls stays one statement, small enough
// that one statement's rows do not keep the event loop busy for long.
const MAX_BATCH = 500;

/**
 * When a batch is sent. `turn`: once the current callback's promise jobs have run, which gathers the
 * reads of the routes the request hooks run together in one callback. `loop`: at the loop's next
 * check phase, which also gathers reads started by separate I/O callbacks of one poll phase (each
 * socket's data is a callback of its own: token look-ups as requests arrive, long polls woken by
 * their own queries' answers), at the cost of waiting for that phase.
 */
export type BatchSchedule = 'turn' | 'loop';

interface Waiting<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: Error) => void;
}

const settled = Promise.resolve();

/**
 * A batcher of `store` (its statements counted under `kind`): `readMany` reads distinct keys in one
 * statement and answers for each (in order); `readOne` reads one key alone, for the retry after a
 * failed batch. `keyOf` tells equal keys apart.
 */
export function readBatcher<K, V>(
  store: Store,
  kind: string,
  schedule: BatchSchedule,
  keyOf: (key: K) => string,
  readMany: (keys: readonly K[]) => Promise<V[]>,
  readOne: (key: K) => Promise<V>,
): ReadBatcher<K, V> {
  const counters = [readBatchStats(store), readBatchStats(store, kind)];
  let waiting: Waiting<K, V>[] = [];

  const read = async (batch: Waiting<K, V>[]): Promise<void> => {
    // Each request's place among the distinct keys, so each key is told apart (keyOf) once.
    const places = new Map<string, number>();
    const keys: K[] = [];
    const placeOf = batch.map(({ key }) => {
      const id = keyOf(key);
      let place = places.get(id);
      if (place === undefined) {
        place = keys.push(key) - 1;
        places.set(id, place);
      }
      return place;
    });
    for (const s of counters) {
      s.batches++;
      s.keys += keys.length;
      s.largest = Math.max(s.largest, keys.length);
    }
    let values: V[];
    let errors: (Error | undefined)[] | undefined;
    try {
      values = await readMany(keys);
    } catch (error) {
      values = [];
      errors = keys.length === 1 ? [asError(error)] : [];
      if (keys.length > 1) {
        await Promise.all(
          keys.map(async (key, place) => {
            for (const s of counters) s.retries++;
            try {
              values[place] = await readOne(key);
            } catch (e) {
              errors![place] = asError(e);
            }
          }),
        );
      }
    }
    batch.forEach((w, i) => {
      const error = errors?.[placeOf[i]!];
      if (error === undefined) w.resolve(values[placeOf[i]!]!);
      else w.reject(error);
    });
  };

  const send = (): void => {
    const batch = waiting;
    waiting = [];
    for (let i = 0; i < batch.length; i += MAX_BATCH) {
      const part = batch.slice(i, i + MAX_BATCH);
      // Nothing a request waits for may be left unanswered, whatever went wrong.
      read(part).catch((error: unknown) => {
        for (const w of part) w.reject(asError(error));
      });
    }
  };
  // `turn`: a nextTick from a promise job runs once the promise jobs queued before it have run, so
  // the reads those jobs start join this batch too.
  const later = schedule === 'loop' ? () => setImmediate(send) : () => void settled.then(() => process.nextTick(send));

  return {
    load: (key) =>
      new Promise<V>((resolve, reject) => {
        if (waiting.push({ key, resolve, reject }) === 1) later();
      }),
  };
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** One batcher per store, made on first use. */
export function perStore<B>(make: (store: Store, many: ManyReads) => B): (store: Store, many: ManyReads) => B {
  const made = new WeakMap<Store, B>();
  return (store, many) => {
    let b = made.get(store);
    if (b === undefined) {
      b = make(store, many);
      made.set(store, b);
    }
    return b;
  };
}
