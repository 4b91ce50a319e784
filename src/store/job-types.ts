import { sql } from 'kysely';
import type { Executor } from './store.js';

/** A job type declared without code: its input schema in a workspace (migration 0028). */
export interface StoredJobType {
  type: string;
  /** The schema as JSON text, as it was sent. */
  inputSchema: string;
  version: number;
  revision: string;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS = ['type', 'input_schema', 'version', 'revision', 'created_at', 'updated_at'] as const;

const toStored = (r: {
  type: string;
  input_schema: string;
  version: number;
  revision: string;
  created_at: number;
  updated_at: number;
}): StoredJobType => ({
  type: r.type,
  inputSchema: r.input_schema,
  version: r.version,
  revision: r.revision,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listJobTypes(db: Executor, workspaceId: string): Promise<StoredJobType[]> {
  const rows = await db
    .selectFrom('job_types')
    .select(COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .orderBy('type')
    .execute();
  return rows.map(toStored);
}

/** The stored types among `types`, with their schemas. */
export async function findJobTypes(db: Executor, workspaceId: string, types: string[]): Promise<StoredJobType[]> {
  if (types.length === 0) return [];
  const rows = await db
    .selectFrom('job_types')
    .select(COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('type', 'in', types)
    .execute();
  return rows.map(toStored);
}

/** The current revision of each stored type among `types`: what a create checks its compiled schemas against. */
export async function jobTypeRevisions(
  db: Executor,
  workspaceId: string,
  types: string[],
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('job_types')
    .select(['type', 'revision'])
    .where('workspace_id', '=', workspaceId)
    .where('type', 'in', types)
    .execute();
  return new Map(rows.map((r) => [r.type, r.revision]));
}

/**
 * Stores the schema of a type, created at version 1 or replaced at the next version; the same schema
 * again changes nothing (its version and revision stay). Returns the row as stored and whether it is new.
 */
export async function putJobType(
  db: Executor,
  t: { workspaceId: string; type: string; inputSchema: string; revision: string; now: number },
): Promise<{ stored: StoredJobType; created: boolean }> {
  await db
    .insertInto('job_types')
    .values({
      workspace_id: t.workspaceId,
      type: t.type,
      input_schema: t.inputSchema,
      version: 1,
      revision: t.revision,
      created_at: t.now,
      updated_at: t.now,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'type'])
        .doUpdateSet({
          input_schema: (eb) => eb.ref('excluded.input_schema'),
          version: sql<number>`job_types.version + 1`,
          revision: (eb) => eb.ref('excluded.revision'),
          updated_at: (eb) => eb.ref('excluded.updated_at'),
        })
        .where(sql<boolean>`job_types.input_schema <> excluded.input_schema`),
    )
    .execute();
  const [stored] = await findJobTypes(db, t.workspaceId, [t.type]);
  return { stored: stored!, created: stored!.version === 1 && stored!.revision === t.revision };
}

export async function deleteJobType(db: Executor, workspaceId: string, type: string): Promise<boolean> {
  const result = await db
    .deleteFrom('job_types')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', type)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
