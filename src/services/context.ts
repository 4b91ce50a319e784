import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import type { PageTokens } from './page-tokens.js';
import type { TokenCache } from './tokens.js';

/** What every use case needs, passed in rather than imported, so tests can drive time and storage. */
export interface Services {
  store: Store;
  clock: Clock;
  pageTokens: PageTokens;
  tokenCache: TokenCache;
}
