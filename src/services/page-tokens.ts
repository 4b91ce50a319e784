import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';

// Page tokens are opaque (AIP-158: base64 of a readable cursor is not enough): the cursor is sealed
// with AES-256-GCM, so a client can neither read nor forge one. A token is bound to the filters of the
// request that produced it and expires after three days (AIP-158's rule of thumb).
const TTL_MS = 3 * 24 * 3600 * 1000;

interface Cursor {
  /** The last id of the previous page. */
  k: string;
  /** Digest of the filters the token was issued for. */
  f: string;
  /** Expiry, epoch ms. */
  e: number;
}

export class PageTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly clock: Clock,
  ) {
    this.key = createHash('sha256').update(`page-token:${secret}`).digest();
  }

  encode(lastId: string, filters: unknown): string {
    const cursor: Cursor = { k: lastId, f: digest(filters), e: this.clock.now() + TTL_MS };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(cursor), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** Returns the last id of the previous page; throws a 400 for a token that is forged, stale or for other filters. */
  decode(token: string, filters: unknown): string {
    const cursor = this.open(token);
    if (cursor === undefined) throw invalid('The page_token is not one this server issued.');
    if (cursor.e < this.clock.now()) throw invalid('The page_token has expired; start again from the first page.');
    if (cursor.f !== digest(filters))
      throw invalid('The page_token was issued for different filters; send the same filters as the first request.');
    return cursor.k;
  }

  private open(token: string): Cursor | undefined {
    try {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 12 + 16 + 2) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
        'utf8',
      );
      const cursor = JSON.parse(plain) as Cursor;
      return typeof cursor.k === 'string' && typeof cursor.f === 'string' && typeof cursor.e === 'number'
        ? cursor
        : undefined;
    } catch {
      return undefined;
    }
  }
}

function digest(filters: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(filters ?? null))
    .digest('base64url')
    .slice(0, 16);
}

function invalid(detail: string): AppError {
  return new AppError('invalid_page_token', detail, { errors: [{ pointer: '#/query/page_token', detail }] });
}
