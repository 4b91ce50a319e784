import type { Executor } from './store.js';

export interface StoredResponse {
  statusCode: number;
  body: string;
  location: string | null;
}

export type KeyClaim =
  { kind: 'claimed' } | { kind: 'in_progress' } | { kind: 'mismatch' } | { kind: 'done'; response: StoredResponse };

/**
 * Takes an Idempotency-Key for one request. A key whose earlier request died before finishing
 * (its lock ran out) or that is older than the retention period is taken over, so a crash never
 * leaves a key stuck forever.
 */
export async function claimKey(
  db: Executor,
  k: { workspaceId: string; key: string; requestHash: string; now: number; lockMs: number; retentionMs: number },
): Promise<KeyClaim> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({
      workspace_id: k.workspaceId,
      key: k.key,
      request_hash: k.requestHash,
      state: 'in_progress',
      status_code: null,
      response_body: null,
      location: null,
      locked_until: k.now + k.lockMs,
      created_at: k.now,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { kind: 'claimed' };

  const takeover = await db
    .updateTable('idempotency_keys')
    .set({
      request_hash: k.requestHash,
      state: 'in_progress',
      status_code: null,
      response_body: null,
      location: null,
      locked_until: k.now + k.lockMs,
      created_at: k.now,
    })
    .where('workspace_id', '=', k.workspaceId)
    .where('key', '=', k.key)
    .where((eb) =>
      eb.or([
        eb('created_at', '<=', k.now - k.retentionMs),
        eb.and([
          eb('state', '=', 'in_progress'),
          eb('locked_until', '<=', k.now),
          eb('request_hash', '=', k.requestHash),
        ]),
      ]),
    )
    .executeTakeFirst();
  if (takeover.numUpdatedRows > 0n) return { kind: 'claimed' };

  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('workspace_id', '=', k.workspaceId)
    .where('key', '=', k.key)
    .executeTakeFirst();
  if (row === undefined) return { kind: 'in_progress' }; // purged between our statements; the client may retry
  if (row.request_hash !== k.requestHash) return { kind: 'mismatch' };
  if (row.state === 'in_progress') return { kind: 'in_progress' };
  return {
    kind: 'done',
    response: { statusCode: row.status_code ?? 200, body: row.response_body ?? '', location: row.location },
  };
}

export async function completeKey(
  db: Executor,
  workspaceId: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', status_code: response.statusCode, response_body: response.body, location: response.location })
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .execute();
}

/** Lets a key be used again after the request failed before creating anything (Stripe does the same). */
export async function releaseKey(db: Executor, workspaceId: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('state', '=', 'in_progress')
    .execute();
}

export async function purgeKeys(db: Executor, olderThan: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<=', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
