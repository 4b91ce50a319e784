// Times every database call this process makes while recording: on PostgreSQL each pg client query
// (sent → answered), on SQLite each better-sqlite3 statement. Installing it wraps those methods for
// the whole process, which costs a little on every call; pickup-ab.mjs does so only with --phases.
import { createRequire } from 'node:module';
import pg from 'pg';

/** The calls made since record(): [start, end (undefined while pending), label]. */
let calls;
/** The NOTIFYs heard since record(): [time, channel]. */
let heard = [];

const start = (label) => {
  const call = [performance.now(), undefined, label];
  calls?.push(call);
  return () => (call[1] ??= performance.now());
};

/** Starts recording (again), forgetting what was recorded. */
export function record() {
  calls = [];
  heard = [];
}

/** Stops recording and returns the calls made since record(). */
export function recorded() {
  const made = calls ?? [];
  calls = undefined;
  return made;
}

/** The NOTIFYs heard since record(), as [time, channel], when a pg client emitted them. */
export function notifications() {
  return heard;
}

export function install() {
  // pg: a query ends when its callback or its promise settles, whichever the caller used.
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    if (calls === undefined) return query.call(this, config, values, callback);
    const done = start(typeof config === 'string' ? config : (config?.name ?? config?.text ?? ''));
    const wrap =
      (f) =>
      (...args) => (done(), f(...args));
    if (typeof values === 'function') values = wrap(values);
    else if (typeof callback === 'function') callback = wrap(callback);
    else if (typeof config?.callback === 'function') config.callback = wrap(config.callback);
    const result = query.call(this, config, values, callback);
    if (typeof result?.then === 'function') result.then(done, done);
    return result;
  };
  // pg: a NOTIFY is heard when the listening client emits it, before any listener runs.
  const emit = pg.Client.prototype.emit;
  pg.Client.prototype.emit = function (event, ...args) {
    if (event === 'notification' && calls !== undefined) heard.push([performance.now(), args[0]?.channel]);
    return emit.call(this, event, ...args);
  };
  // better-sqlite3: statements run synchronously.
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method];
    statement[method] = function (...args) {
      const done = calls === undefined ? undefined : start(`${method} ${this.source}`);
      try {
        return original.apply(this, args);
      } finally {
        done?.();
      }
    };
  }
}
