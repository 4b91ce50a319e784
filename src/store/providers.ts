import type { Selectable } from 'kysely';
import type { Provider, ProviderType } from '../core/people.js';
import type { ProvidersTable } from './schema.js';
import type { Executor } from './store.js';

function toProvider(row: Selectable<ProvidersTable>): Provider {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    type: row.type as ProviderType,
    name: row.name,
    email: row.email,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export async function insertProvider(
  db: Executor,
  p: { id: string; workspaceId: string; type: ProviderType; name: string; email: string | null; now: number },
): Promise<Provider> {
  const row = await db
    .insertInto('providers')
    .values({
      id: p.id,
      workspace_id: p.workspaceId,
      type: p.type,
      name: p.name,
      email: p.email,
      created_at: p.now,
      updated_at: p.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProvider(row);
}

export async function findProvider(db: Executor, workspaceId: string, id: string): Promise<Provider | undefined> {
  const row = await db
    .selectFrom('providers')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row === undefined ? undefined : toProvider(row);
}

export async function findProviders(db: Executor, workspaceId: string, ids: string[]): Promise<Provider[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('providers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return rows.map(toProvider);
}

/** Newest first, keyset-paged by id (UUIDv7). */
export async function listProvidersAfter(
  db: Executor,
  workspaceId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<{ providers: Provider[]; more: boolean }> {
  let q = db.selectFrom('providers').selectAll().where('workspace_id', '=', workspaceId);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { providers: rows.slice(0, limit).map(toProvider), more: rows.length > limit };
}

export async function updateProvider(
  db: Executor,
  workspaceId: string,
  id: string,
  change: { name?: string; email?: string | null; now: number },
): Promise<Provider | undefined> {
  const row = await db
    .updateTable('providers')
    .set((eb) => ({
      updated_at: change.now,
      version: eb('version', '+', 1),
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.email !== undefined ? { email: change.email } : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toProvider(row);
}
