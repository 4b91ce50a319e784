import { sql, type Selectable } from 'kysely';
import type { Webhook } from '../core/webhooks.js';
import { parseJson, type WebhooksTable } from './schema.js';
import type { Executor } from './store.js';

type WebhookRow = Selectable<WebhooksTable>;

export function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    kind: r.kind,
    url: r.url,
    events: parseJson(r.events) as string[],
    projectId: r.project_id,
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: r.previous_secret_expires_at === null ? null : Number(r.previous_secret_expires_at),
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
    disabledReason: r.disabled_reason,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export type NewWebhook = Pick<Webhook, 'id' | 'workspaceId' | 'kind' | 'url' | 'events' | 'projectId' | 'secret'> & {
  now: number;
};

/** Inserts a webhook; for a callback endpoint, does nothing when the workspace has one already (returns undefined). */
export async function insertWebhook(db: Executor, w: NewWebhook): Promise<Webhook | undefined> {
  const row = await db
    .insertInto('webhooks')
    .values({
      id: w.id,
      workspace_id: w.workspaceId,
      kind: w.kind,
      url: w.url,
      events: JSON.stringify(w.events),
      project_id: w.projectId,
      secret: w.secret,
      created_at: w.now,
      updated_at: w.now,
    })
    // The conflict target names the partial index's predicate as a literal: SQLite matches it by its text.
    .onConflict((oc) =>
      oc
        .column('workspace_id')
        .where(sql<boolean>`kind = 'callback'`)
        .doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toWebhook(row);
}

export async function findWebhook(db: Executor, workspaceId: string, id: string): Promise<Webhook | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row === undefined ? undefined : toWebhook(row);
}

export async function findCallbackWebhook(db: Executor, workspaceId: string): Promise<Webhook | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'callback')
    .executeTakeFirst();
  return row === undefined ? undefined : toWebhook(row);
}

export async function findWebhooksById(db: Executor, ids: string[]): Promise<Webhook[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('webhooks').selectAll().where('id', 'in', ids).execute();
  return rows.map(toWebhook);
}

/** The enabled webhooks of these workspaces, both kinds: what the dispatcher matches events against. */
export async function enabledWebhooks(db: Executor, workspaceIds: string[]): Promise<Webhook[]> {
  if (workspaceIds.length === 0) return [];
  const rows = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', 'in', workspaceIds)
    .where('disabled_at', 'is', null)
    .execute();
  return rows.map(toWebhook);
}

/** Newest first, keyset-paged by id (UUIDv7), one row more than asked to tell whether a page follows. */
export async function listWebhooksAfter(
  db: Executor,
  workspaceId: string,
  beforeId: string | undefined,
  limit: number,
): Promise<{ webhooks: Webhook[]; more: boolean }> {
  let q = db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  return { webhooks: rows.slice(0, limit).map(toWebhook), more: rows.length > limit };
}

export async function listWebhooksPage(
  db: Executor,
  workspaceId: string,
  offset: number,
  limit: number,
): Promise<{ webhooks: Webhook[]; total: number }> {
  const base = db.selectFrom('webhooks').where('workspace_id', '=', workspaceId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { webhooks: rows.map(toWebhook), total: Number(count.n) };
}

export interface WebhookChange {
  url?: string;
  events?: string[];
  projectId?: string | null;
  /** null re-enables; a reason disables. */
  disabled?: { at: number; reason: string } | null;
  rotate?: { secret: string; previousExpiresAt: number };
  now: number;
}

export async function updateWebhook(
  db: Executor,
  workspaceId: string,
  id: string,
  c: WebhookChange,
): Promise<Webhook | undefined> {
  const row = await db
    .updateTable('webhooks')
    .set((eb) => ({
      updated_at: c.now,
      ...(c.url !== undefined ? { url: c.url } : {}),
      ...(c.events !== undefined ? { events: JSON.stringify(c.events) } : {}),
      ...(c.projectId !== undefined ? { project_id: c.projectId } : {}),
      ...(c.disabled === null ? { disabled_at: null, disabled_reason: null } : {}),
      ...(c.disabled !== undefined && c.disabled !== null
        ? { disabled_at: c.disabled.at, disabled_reason: c.disabled.reason }
        : {}),
      ...(c.rotate !== undefined
        ? {
            previous_secret: eb.ref('secret'),
            previous_secret_expires_at: c.rotate.previousExpiresAt,
            secret: c.rotate.secret,
          }
        : {}),
    }))
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toWebhook(row);
}

/** Disables an endpoint the receiver told to go away (410), unless it was disabled already. */
export async function disableWebhook(db: Executor, id: string, reason: string, now: number): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ disabled_at: now, disabled_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .execute();
}

export async function deleteWebhook(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('webhooks')
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}
