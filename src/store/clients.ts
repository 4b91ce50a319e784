import type { Selectable } from 'kysely';
import type { Scope } from '../core/auth.js';
import type { Executor } from './store.js';

export interface OAuthClientsTable {
  id: string;
  workspace_id: string;
  name: string;
  client_id: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

// The table belongs to the OAuth clients alone (migration 0008), so it is declared beside its queries.
declare module './schema.js' {
  interface Database {
    oauth_clients: OAuthClientsTable;
  }
}

export interface OAuthClient {
  id: string;
  workspaceId: string;
  name: string;
  clientId: string;
  scopes: Scope[];
  createdAt: number;
  revokedAt: number | null;
}

export type OAuthClientRow = Selectable<OAuthClientsTable>;

export function toClient(row: OAuthClientRow): OAuthClient {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    clientId: row.client_id,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export async function insertClient(db: Executor, row: OAuthClientRow): Promise<void> {
  await db.insertInto('oauth_clients').values(row).execute();
}

export async function findClientByClientId(db: Executor, clientId: string): Promise<OAuthClientRow | undefined> {
  return db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function findClient(db: Executor, workspaceId: string, id: string): Promise<OAuthClientRow | undefined> {
  return db
    .selectFrom('oauth_clients')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
}

export async function listClients(db: Executor, workspaceId: string): Promise<OAuthClient[]> {
  const rows = await db
    .selectFrom('oauth_clients')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toClient);
}

export async function revokeClient(db: Executor, workspaceId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oauth_clients')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Revokes the unexpired API tokens with one of these names; returns their ids. */
export async function revokeTokensNamed(
  db: Executor,
  workspaceId: string,
  names: string[],
  now: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('name', 'in', names)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Deletes API tokens with this name that expired before `before` (access tokens a client no longer uses). */
export async function deleteExpiredTokens(
  db: Executor,
  workspaceId: string,
  name: string,
  before: number,
): Promise<void> {
  await db
    .deleteFrom('api_tokens')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .where('expires_at', '<', before)
    .execute();
}
