import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './core/clock.js';
import { migrate } from './store/migrations.js';
import { getOrCreateSetting } from './store/settings.js';
import { openStore, type StoreOptions } from './store/store.js';
import { DEFAULT_POLICY, type Policy, type Services } from './services/context.js';
import { DownloadSigner } from './services/files.js';
import { FileStorage } from './store/file-storage.js';
import { PageTokens } from './services/page-tokens.js';
import { TokenCache } from './services/token-cache.js';
import { Registry } from './core/registry.js';
import { BUILTIN_JOBS } from './jobs/builtin.js';
import { Wakeups } from './store/wakeups.js';
import { EventHub } from './services/event-hub.js';
import { Handoff } from './services/handoff.js';
import { syncDeclaredFlows } from './services/job-flow.js';
import { controlledLately } from './store/job-flow.js';
import { limitsClaim } from './core/flow.js';

export interface ServicesOptions extends StoreOptions {
  clock?: Clock;
  /** How long a verified token is trusted without a database read; 0 disables the cache. */
  tokenCacheMs?: number;
  registry?: Registry;
  policy?: Partial<Policy>;
}

/** Opens the store, applies pending migrations and wires the services every entry point shares. */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const store = await openStore(options);
  try {
    await migrate(store);
    // One secret for every process on this database, so a page token from one API process works on another.
    const secret = await getOrCreateSetting(store.db, 'page_token_secret', () => randomBytes(32).toString('base64url'));
    const wakeups = new Wakeups(store);
    const registry = options.registry ?? new Registry(BUILTIN_JOBS);
    await syncDeclaredFlows(store.db, registry, clock.now());
    return {
      store,
      clock,
      pageTokens: new PageTokens(secret, clock),
      tokenCache: new TokenCache(options.tokenCacheMs ?? 5000),
      wakeups,
      handoff: new Handoff((type) => {
        const declared = registry.get(type)?.flow;
        return (
          (declared !== undefined && limitsClaim({ ...declared, paused: false })) ||
          controlledLately(store.db).has(type)
        );
      }),
      hub: new EventHub(store, wakeups),
      registry,
      files: new FileStorage(options.dataDir ?? './data'),
      downloads: new DownloadSigner(
        await getOrCreateSetting(store.db, 'download_url_secret', () => randomBytes(32).toString('base64url')),
        24 * 3600 * 1000,
      ),
      policy: { ...DEFAULT_POLICY, ...options.policy },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
