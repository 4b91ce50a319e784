import type { Clock } from '../core/clock.js';
import type { Registry } from '../engine/registry.js';
import type { Store } from '../store/store.js';
import type { Wakeups } from '../store/wakeups.js';
import type { PageTokens } from './page-tokens.js';
import type { TokenCache } from './tokens.js';

/** What every use case needs, passed in rather than imported, so tests can drive time and storage. */
export interface Services {
  store: Store;
  clock: Clock;
  pageTokens: PageTokens;
  tokenCache: TokenCache;
  wakeups: Wakeups;
  /** The job types this process knows; input of a known type is validated when a job is created. */
  registry: Registry;
}
