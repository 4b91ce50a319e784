import { countTokens, findTokenByPrefix } from '../store/tokens.js';
import type { Services } from './context.js';
import { DEFAULT_WORKSPACE, insertNewToken, parseToken } from './tokens.js';

/**
 * With JOBLINE_ADMIN_TOKEN set, makes sure an admin token with exactly that secret exists (so
 * deployments can provision it); without it, the first start on an empty database creates one and
 * returns it to be printed once.
 */
export async function ensureAdminToken(services: Services, chosen: string | undefined): Promise<{ created?: string }> {
  const parsed = chosen === undefined ? undefined : parseToken(chosen);
  if (chosen !== undefined && parsed === undefined) {
    throw new Error(
      'JOBLINE_ADMIN_TOKEN must look like jl_<12 letters or digits>_<43 base64url characters>; `jobline token generate` prints one.',
    );
  }
  const now = services.clock.now();
  return services.store.transaction(async (trx) => {
    // Replicas often start together on an empty database. Checking for a token and then creating one
    // would let each of them create (and print) its own admin token, or fail on the chosen token's
    // UNIQUE prefix. Writing this row first makes the starts queue here: PostgreSQL holds the row lock
    // until commit, SQLite's write lock is taken at the first write.
    await trx
      .insertInto('settings')
      .values({ key: 'admin_token_checked_at', value: String(now) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(now) }))
      .execute();
    if (chosen !== undefined) {
      if ((await findTokenByPrefix(trx, parsed!.prefix)) === undefined) {
        await insertNewToken(trx, now, {
          workspace: DEFAULT_WORKSPACE,
          name: 'admin (JOBLINE_ADMIN_TOKEN)',
          scopes: ['admin'],
          secret: chosen,
        });
      }
      return {};
    }
    if ((await countTokens(trx)) > 0) return {};
    const { secret } = await insertNewToken(trx, now, {
      workspace: DEFAULT_WORKSPACE,
      name: 'admin (first start)',
      scopes: ['admin'],
    });
    return { created: secret };
  });
}
