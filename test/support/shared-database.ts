import type { Principal } from '../../src/core/auth.js';
import type { Clock } from '../../src/core/clock.js';
import type { Services } from '../../src/services/context.js';
import { createServices } from '../../src/services/create.js';
import { createToken } from '../../src/services/tokens.js';
import { freshDatabase, type Dialect } from './databases.js';

export interface SharedDatabase {
  /** Two independent Services on one fresh database: two SQLite connections, or two PostgreSQL pools. */
  a: Services;
  b: Services;
  /** An admin of workspace "acme" on that database. */
  principal: Principal;
  cleanup(): Promise<void>;
}

/**
 * Two API processes' worth of services over the same database, so races between them are real races
 * between connections rather than between promises on one connection.
 */
export async function sharedDatabase(dialect: Dialect, options: { clock?: Clock } = {}): Promise<SharedDatabase> {
  const db = freshDatabase(dialect);
  const extra = options.clock !== undefined ? { clock: options.clock } : {};
  const a = await createServices({ ...db.options, ...extra });
  const b = await createServices({ ...db.options, ...extra });
  const { token } = await createToken(a, { workspace: 'acme', name: 'test', scopes: ['admin'] });
  return {
    a,
    b,
    principal: { tokenId: token.id, workspaceId: token.workspaceId, scopes: token.scopes },
    cleanup: async () => {
      await Promise.all([a.store.close(), b.store.close()]);
      await db.cleanup();
    },
  };
}
