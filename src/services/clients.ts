import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../core/auth.js';
import { AppError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import * as clients from '../store/clients.js';
import { findWorkspaceById } from '../store/tokens.js';
import type { Services } from './context.js';
import { ensureWorkspace, insertNewToken } from './tokens.js';

// OAuth2 clients (RFC 6749 §2.3.1): a public client_id and a secret shown once. A client exchanges them
// for an access token (§4.4, client credentials), which is an ordinary Jobline API token with the
// client's scopes and a short life, accepted by the native API and every compatible API alike.

/** How long an access token lives; Elastic Path's own tokens live an hour too (`expires_in: 3600`). */
export const ACCESS_TOKEN_TTL_MS = 3600_000;

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function newClientId(): string {
  // 40 characters, the length of Elastic Path's client ids; 62 is close enough to 64 that the modulo bias is negligible for an identifier.
  return Array.from(randomBytes(40), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export interface CreatedClient {
  client: clients.OAuthClient;
  /** Shown once, never stored. */
  clientSecret: string;
}

export async function createClient(
  services: Pick<Services, 'store' | 'clock'>,
  options: { workspace: string; name: string; scopes: Scope[] },
): Promise<CreatedClient> {
  const secret = randomBytes(32).toString('base64url');
  return services.store.transaction(async (trx) => {
    const now = services.clock.now();
    const workspaceId = await ensureWorkspace(trx, options.workspace, now);
    const row: clients.OAuthClientRow = {
      id: uuidv7(now),
      workspace_id: workspaceId,
      name: options.name,
      client_id: newClientId(),
      secret_hash: sha256(secret).toString('hex'),
      scopes: JSON.stringify(options.scopes),
      created_at: now,
      revoked_at: null,
    };
    await clients.insertClient(trx, row);
    return { client: clients.toClient(row), clientSecret: secret };
  });
}

/** Revokes a client and the access tokens it was issued, so they stop working at once. */
export async function revokeClient(
  services: Pick<Services, 'store' | 'clock' | 'tokenCache'>,
  workspaceId: string,
  id: string,
): Promise<void> {
  const tokenIds = await services.store.transaction(async (trx) => {
    const now = services.clock.now();
    const client = await clients.findClient(trx, workspaceId, id);
    if (client === undefined || !(await clients.revokeClient(trx, workspaceId, id, now))) {
      throw new AppError('not_found', `No active client with id ${JSON.stringify(id)}.`);
    }
    return clients.revokeTokensNamed(
      trx,
      workspaceId,
      GRANT_TYPES.map((g) => accessTokenName(g, client.client_id)),
      now,
    );
  });
  for (const tokenId of tokenIds) services.tokenCache.forget(tokenId);
}

const GRANT_TYPES = ['client_credentials', 'implicit'] as const;

/** The name of the API tokens issued to a client: they are found by it to be revoked or cleaned up. */
function accessTokenName(grantType: (typeof GRANT_TYPES)[number], clientId: string): string {
  return `oauth ${grantType} ${clientId}`;
}

export type Grant =
  | { grantType: 'client_credentials'; clientId: string; clientSecret: string }
  /** Elastic Path's implicit grant: the client_id alone, for public data; the token carries no scope. */
  | { grantType: 'implicit'; clientId: string };

export interface AccessToken {
  token: string;
  expiresAt: number;
  scopes: Scope[];
}

const invalidClient = () => new AppError('unauthorized', 'The client is unknown or revoked, or its secret is wrong.');

/** Checks the client's credentials and issues a short-lived API token for it. */
export async function issueAccessToken(
  services: Pick<Services, 'store' | 'clock'>,
  grant: Grant,
): Promise<AccessToken> {
  const row = await clients.findClientByClientId(services.store.db, grant.clientId);
  // The hash is computed whether or not the client exists, so timing does not tell which client ids are real.
  const given = sha256(grant.grantType === 'client_credentials' ? grant.clientSecret : '');
  if (row === undefined || row.revoked_at !== null) throw invalidClient();
  if (grant.grantType === 'client_credentials') {
    const stored = Buffer.from(row.secret_hash, 'hex');
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) throw invalidClient();
  }
  const scopes = grant.grantType === 'client_credentials' ? (JSON.parse(row.scopes) as Scope[]) : [];
  const name = accessTokenName(grant.grantType, row.client_id);
  return services.store.transaction(async (trx) => {
    const now = services.clock.now();
    const workspace = await findWorkspaceById(trx, row.workspace_id);
    if (workspace === undefined) throw invalidClient();
    // Each exchange makes a token; the ones this client let expire are of no use to anyone.
    await clients.deleteExpiredTokens(trx, row.workspace_id, name, now);
    const expiresAt = now + ACCESS_TOKEN_TTL_MS;
    const created = await insertNewToken(trx, now, { workspace: workspace.name, name, scopes, expiresAt });
    return { token: created.secret, expiresAt, scopes };
  });
}
