import type { Clock } from '../core/clock.js';
import type { Registry } from '../core/registry.js';
import type { Store } from '../store/store.js';
import type { Wakeups } from '../store/wakeups.js';
import type { EventHub } from './event-hub.js';
import type { FileStorage } from '../store/file-storage.js';
import type { DownloadSigner } from './files.js';
import type { PageTokens } from './page-tokens.js';
import type { TokenCache } from './token-cache.js';
import type { Handoff } from './handoff.js';

/** What every use case needs, passed in rather than imported, so tests can drive time and storage. */
export interface Services {
  store: Store;
  clock: Clock;
  pageTokens: PageTokens;
  tokenCache: TokenCache;
  wakeups: Wakeups;
  /** This process's workers, which take new jobs straight from their insert while idle. */
  handoff: Handoff;
  /** Live job events for this process's subscribers (SSE streams, long polls). */
  hub: EventHub;
  /** The job types this process knows; input of a known type is validated when a job is created. */
  registry: Registry;
  files: FileStorage;
  downloads: DownloadSigner;
  policy: Policy;
}

export interface Policy {
  /** How long finished jobs and uploaded files are kept (then a job answers 410 Gone). */
  retentionMs: number;
  /** Largest file accepted, uploaded or written by a handler. */
  maxFileBytes: number;
  /** Webhook and callback URLs may resolve to loopback, private and link-local addresses (JOBLINE_WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
}

export const DEFAULT_POLICY: Policy = {
  retentionMs: 30 * 24 * 3600 * 1000,
  maxFileBytes: 100 * 1024 * 1024,
  webhookAllowPrivate: false,
};
