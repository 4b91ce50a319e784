import type { Selectable } from 'kysely';
import type { ApiToken, Scope, Workspace } from '../core/auth.js';
import type { ApiTokensTable } from './schema.js';
import type { Executor } from './store.js';

export function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    providerId: row.provider_id ?? null,
    jobTypes: row.job_types == null ? null : (JSON.parse(row.job_types) as string[]),
  };
}

export async function findWorkspaceByName(db: Executor, name: string): Promise<Workspace | undefined> {
  const row = await db
    .selectFrom('workspaces')
    .select(['id', 'name', 'created_at'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, name: row.name, createdAt: row.created_at };
}

export async function insertWorkspace(db: Executor, w: { id: string; name: string; now: number }): Promise<void> {
  await db
    .insertInto('workspaces')
    .values({ id: w.id, name: w.name, created_at: w.now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function insertToken(
  db: Executor,
  t: {
    id: string;
    workspaceId: string;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: Scope[];
    now: number;
    expiresAt: number | null;
    providerId?: string | null | undefined;
    jobTypes?: string[] | null | undefined;
  },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: t.id,
      workspace_id: t.workspaceId,
      name: t.name,
      prefix: t.prefix,
      secret_hash: t.secretHash,
      scopes: JSON.stringify(t.scopes),
      created_at: t.now,
      last_used_at: null,
      revoked_at: null,
      expires_at: t.expiresAt,
      ...(t.providerId != null ? { provider_id: t.providerId } : {}),
      ...(t.jobTypes != null ? { job_types: JSON.stringify(t.jobTypes) } : {}),
    })
    .execute();
}

export async function findTokenByPrefix(db: Executor, prefix: string): Promise<Selectable<ApiTokensTable> | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

export async function listTokens(db: Executor, workspaceId?: string): Promise<ApiToken[]> {
  let q = db.selectFrom('api_tokens').selectAll();
  if (workspaceId !== undefined) q = q.where('workspace_id', '=', workspaceId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toToken);
}

export async function revokeToken(db: Executor, id: string, now: number, workspaceId?: string): Promise<boolean> {
  let q = db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null);
  if (workspaceId !== undefined) q = q.where('workspace_id', '=', workspaceId);
  const result = await q.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function touchToken(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function countTokens(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findWorkspaceById(db: Executor, id: string): Promise<Workspace | undefined> {
  const row = await db
    .selectFrom('workspaces')
    .select(['id', 'name', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, name: row.name, createdAt: row.created_at };
}
