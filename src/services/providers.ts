import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Provider, ProviderType } from '../core/people.js';
import * as providers from '../store/providers.js';
import { findWorkspaceById } from '../store/tokens.js';
import type { Services } from './context.js';
import { createToken, type CreatedToken } from './tokens.js';

// Providers are the people and vendors of a workspace to whom people jobs are offered. Each can have
// tokens of its own: such a token has no scopes, sees only the jobs assigned to its provider (others
// are 404) and may only accept, decline and deliver them.

function customerOnly(principal: Principal): void {
  if (principal.providerId !== undefined)
    throw new AppError('forbidden', "A provider's token cannot manage providers.");
}

export async function createProvider(
  services: Services,
  principal: Principal,
  input: { type: ProviderType; name: string; email?: string | null | undefined },
): Promise<Provider> {
  customerOnly(principal);
  const now = services.clock.now();
  return providers.insertProvider(services.store.db, {
    id: uuidv7(now),
    workspaceId: principal.workspaceId,
    type: input.type,
    name: input.name,
    email: input.email ?? null,
    now,
  });
}

export async function getProvider(services: Services, principal: Principal, id: string): Promise<Provider> {
  const provider = await providers.findProvider(services.store.db, principal.workspaceId, id);
  if (provider === undefined || (principal.providerId !== undefined && principal.providerId !== id))
    throw notFound('provider', id);
  return provider;
}

export async function listProviders(
  services: Services,
  principal: Principal,
  page: { pageSize: number; pageToken?: string | undefined },
): Promise<{ providers: Provider[]; nextPageToken: string | undefined }> {
  customerOnly(principal);
  const scope = { providers: principal.workspaceId };
  const after = page.pageToken === undefined ? undefined : services.pageTokens.decode(page.pageToken, scope);
  const result = await providers.listProvidersAfter(services.store.db, principal.workspaceId, after, page.pageSize);
  const last = result.providers.at(-1);
  return {
    providers: result.providers,
    nextPageToken: result.more && last !== undefined ? services.pageTokens.encode(last.id, scope) : undefined,
  };
}

export async function updateProvider(
  services: Services,
  principal: Principal,
  id: string,
  change: { name?: string | undefined; email?: string | null | undefined },
): Promise<Provider> {
  customerOnly(principal);
  const updated = await providers.updateProvider(services.store.db, principal.workspaceId, id, {
    now: services.clock.now(),
    ...(change.name !== undefined ? { name: change.name } : {}),
    ...(change.email !== undefined ? { email: change.email } : {}),
  });
  if (updated === undefined) throw notFound('provider', id);
  return updated;
}

/** A token for the provider itself (hashed like every token; the secret is shown once). */
export async function createProviderToken(
  services: Services,
  principal: Principal,
  id: string,
  name: string,
): Promise<CreatedToken> {
  customerOnly(principal);
  const provider = await getProvider(services, principal, id);
  const workspace = await findWorkspaceById(services.store.db, principal.workspaceId);
  return createToken(services, { workspace: workspace!.name, name, scopes: [], providerId: provider.id });
}
