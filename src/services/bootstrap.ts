import { countTokens, findTokenByPrefix } from '../store/tokens.js';
import type { Services } from './context.js';
import { DEFAULT_WORKSPACE, createToken, parseToken } from './tokens.js';

/**
 * With JOBLINE_ADMIN_TOKEN set, makes sure an admin token with exactly that secret exists (so
 * deployments can provision it); without it, the first start on an empty database creates one and
 * returns it to be printed once.
 */
export async function ensureAdminToken(services: Services, chosen: string | undefined): Promise<{ created?: string }> {
  if (chosen !== undefined) {
    const parsed = parseToken(chosen);
    if (parsed === undefined) throw new Error('JOBLINE_ADMIN_TOKEN must look like jl_<12 letters or digits>_<43 base64url characters>; `jobline token generate` prints one.');
    if ((await findTokenByPrefix(services.store.db, parsed.prefix)) === undefined) {
      await createToken(services, { workspace: DEFAULT_WORKSPACE, name: 'admin (JOBLINE_ADMIN_TOKEN)', scopes: ['admin'], secret: chosen });
    }
    return {};
  }
  if ((await countTokens(services.store.db)) > 0) return {};
  const { secret } = await createToken(services, { workspace: DEFAULT_WORKSPACE, name: 'admin (first start)', scopes: ['admin'] });
  return { created: secret };
}
