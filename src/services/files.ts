import { createHmac, createSecretKey, timingSafeEqual, type Hmac, type KeyObject } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Principal } from '../core/auth.js';
import { AppError, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { FileTooLargeError } from '../store/file-storage.js';
import * as files from '../store/files.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';

export const FILE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$';
const FILE_NAME = new RegExp(FILE_NAME_PATTERN);

export interface FileInfo {
  id: string;
  jobId: string | null;
  role: 'input' | 'output';
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: number;
  expiresAt: number | null;
}

/** A file row as the services see it. */
export function fileInfo(row: files.FileRow): FileInfo {
  return {
    id: row.id,
    jobId: row.job_id,
    role: row.role,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function checkFileName(name: string): void {
  if (!FILE_NAME.test(name)) {
    throw new AppError(
      'validation_failed',
      `A file name is 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit; ${JSON.stringify(name)} is not.`,
      {
        errors: [{ pointer: '#/name', detail: `must match ${FILE_NAME_PATTERN}` }],
      },
    );
  }
}

async function store(
  services: Services,
  source: Readable | Buffer | string,
  id: string,
): Promise<{ size: number; sha256: string }> {
  try {
    return await services.files.write(id, source, services.policy.maxFileBytes);
  } catch (error) {
    if (error instanceof FileTooLargeError)
      throw new AppError('payload_too_large', `Files may be at most ${services.policy.maxFileBytes} bytes.`);
    throw error;
  }
}

/** An uploaded input file, kept for the retention period; jobs refer to it by id. */
export async function uploadFile(
  services: Services,
  principal: Principal,
  upload: { name: string; contentType: string; source: Readable | Buffer },
): Promise<FileInfo> {
  checkFileName(upload.name);
  const now = services.clock.now();
  const id = uuidv7(now);
  const { size, sha256 } = await store(services, upload.source, id);
  const row: files.FileRow = {
    id,
    workspace_id: principal.workspaceId,
    job_id: null,
    role: 'input',
    name: upload.name,
    content_type: upload.contentType,
    size,
    sha256,
    created_at: now,
    expires_at: now + services.policy.retentionMs,
  };
  try {
    await files.insertFile(services.store.db, row);
  } catch (error) {
    services.files.remove(id);
    throw error;
  }
  return fileInfo(row);
}

/**
 * A job's output file. Writing the same name again (a retried attempt) replaces it. Output files are
 * removed with their job by retention, so they carry no expiry of their own.
 */
export async function writeJobFile(
  services: Services,
  job: { id: string; workspaceId: string },
  name: string,
  contentType: string,
  data: Readable | Buffer | string,
  /** Throws inside the transaction when the file must not be recorded (a remote worker's lost lease). */
  guard?: (trx: Executor) => Promise<void>,
): Promise<FileInfo> {
  checkFileName(name);
  const now = services.clock.now();
  const id = uuidv7(now);
  const { size, sha256 } = await store(services, data, id);
  const row: files.FileRow = {
    id,
    workspace_id: job.workspaceId,
    job_id: job.id,
    role: 'output',
    name,
    content_type: contentType,
    size,
    sha256,
    created_at: now,
    expires_at: null,
  };
  const replaced = await services.store
    .transaction(async (trx) => {
      await guard?.(trx);
      const old = await files.findJobFile(trx, job.id, 'output', name);
      if (old !== undefined) await files.deleteFiles(trx, [old.id]);
      await files.insertFile(trx, row);
      await files.touchJob(trx, job.id, now);
      return old;
    })
    .catch((error: unknown) => {
      services.files.remove(id);
      throw error;
    });
  if (replaced !== undefined) services.files.remove(replaced.id);
  return fileInfo(row);
}

export async function getFile(services: Services, principal: Principal, id: string): Promise<FileInfo> {
  const row = await files.findFile(services.store.db, principal.workspaceId, id);
  if (row === undefined) throw notFound('file', id);
  return fileInfo(row);
}

/** The bytes of a file of the workspace, for handlers that read their input. */
export async function readFileBytes(
  services: Services,
  workspaceId: string,
  id: string,
): Promise<{ info: FileInfo; bytes: Buffer }> {
  const row = await files.findFile(services.store.db, workspaceId, id);
  if (row === undefined) throw notFound('file', id);
  const chunks: Buffer[] = [];
  for await (const chunk of services.files.read(id)) chunks.push(chunk as Buffer);
  return { info: fileInfo(row), bytes: Buffer.concat(chunks) };
}

export async function jobFiles(services: Services, jobId: string): Promise<FileInfo[]> {
  return (await files.listJobFiles(services.store.db, jobId)).map(fileInfo);
}

export async function jobFile(services: Services, jobId: string, name: string): Promise<FileInfo> {
  const row =
    (await files.findJobFile(services.store.db, jobId, 'output', name)) ??
    (await files.findJobFile(services.store.db, jobId, 'input', name));
  if (row === undefined) throw new AppError('not_found', `The job has no file named ${JSON.stringify(name)}.`);
  return fileInfo(row);
}

/**
 * Download URLs that work without a token for a limited time (as Asana's export `download_url`):
 * the path names the file, the query its expiry and an HMAC over both.
 */
export class DownloadSigner {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    readonly ttlMs: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret));
  }

  private mac(fileId: string, expires: number): Hmac {
    return createHmac('sha256', this.key).update(`${fileId}.${expires}`);
  }

  sign(fileId: string, now: number): string {
    const expires = Math.floor((now + this.ttlMs) / 1000);
    // Straight to base64url, no Buffer in between: every file of a job's representation is signed.
    return `/v1/downloads/${fileId}?expires=${expires}&signature=${this.mac(fileId, expires).digest('base64url')}`;
  }

  verify(fileId: string, expires: number, signature: string, now: number): boolean {
    if (!Number.isInteger(expires) || expires * 1000 < now) return false;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(fileId, expires).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export async function signedFile(
  services: Services,
  id: string,
  expires: number,
  signature: string,
): Promise<FileInfo> {
  if (!services.downloads.verify(id, expires, signature, services.clock.now())) {
    throw new AppError('forbidden', 'This download link is invalid or has expired; ask the API for a fresh one.');
  }
  const row = await files.findFileById(services.store.db, id);
  if (row === undefined) throw new AppError('gone', 'The file no longer exists.');
  return fileInfo(row);
}
