import type { Selectable } from 'kysely';
import type { FilesTable } from './schema.js';
import type { Executor } from './store.js';

export type FileRow = Selectable<FilesTable>;

export async function insertFile(db: Executor, row: FileRow): Promise<void> {
  await db.insertInto('files').values(row).execute();
}

/**
 * A job's files are part of the job's representation: writing one is a new version of the job, so its
 * ETag moves and rendered copies of it (src/http/rendered-jobs.ts) are not served again.
 */
export async function touchJob(db: Executor, jobId: string, now: number): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', jobId)
    .execute();
}

export async function findFile(db: Executor, workspaceId: string, id: string): Promise<FileRow | undefined> {
  return db
    .selectFrom('files')
    .selectAll()
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
}

/** For signed download URLs, which carry no token: the signature already names the file. */
export async function findFileById(db: Executor, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findJobFile(
  db: Executor,
  jobId: string,
  role: FilesTable['role'],
  name: string,
): Promise<FileRow | undefined> {
  return db
    .selectFrom('files')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('role', '=', role)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function listJobFiles(db: Executor, jobId: string): Promise<FileRow[]> {
  return db.selectFrom('files').selectAll().where('job_id', '=', jobId).orderBy('role').orderBy('name').execute();
}

export async function deleteFiles(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('files').where('id', 'in', ids).execute();
}
