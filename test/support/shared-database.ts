import type { Principal } from '../../src/core/auth.js';
import type { Clock } from '../../src/core/clock.js';
import type { Services } from '../../src/services/context.js';
import { createServices } from '../../src/create-services.js';
import { createToken } from '../../src/services/tokens.js';
import { freshDatabase, type Dialect } from './databases.js';

export interface SharedDatabase {
  /** Two independent Services on one fresh PostgreSQL database (two pools); on SQLite, one Services twice. */
  a: Services;
  b: Services;
  /** An admin of workspace "acme" on that database. */
  principal: Principal;
  cleanup(): Promise<void>;
}

/**
 * Two API processes' worth of services over the same database, so races between them are real races
 * between connections rather than between promises on one connection.
 *
 * SQLite is one writer per database and Jobline opens one connection per process. Two connections in
 * one Node thread cannot take turns: while one holds the write lock across an `await`, the other
 * blocks the thread in busy_timeout and the holder can never commit. So on SQLite both sides share one
 * Services, which is the concurrency a single SQLite server really has: many requests in flight on one
 * connection, their transactions queued.
 */
export async function sharedDatabase(dialect: Dialect, options: { clock?: Clock } = {}): Promise<SharedDatabase> {
  const db = freshDatabase(dialect);
  const extra = options.clock !== undefined ? { clock: options.clock } : {};
  const a = await createServices({ ...db.options, ...extra });
  const b = dialect === 'postgres' ? await createServices({ ...db.options, ...extra }) : a;
  const { token } = await createToken(a, { workspace: 'acme', name: 'test', scopes: ['admin'] });
  return {
    a,
    b,
    principal: { tokenId: token.id, workspaceId: token.workspaceId, scopes: token.scopes },
    cleanup: async () => {
      await a.store.close();
      if (b !== a) await b.store.close();
      await db.cleanup();
    },
  };
}
