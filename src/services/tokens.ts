import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken, Principal, Scope } from '../core/auth.js';
import { uuidv7 } from '../core/ids.js';
import { AppError } from '../core/errors.js';
import * as tokens from '../store/tokens.js';
import { readTokenByPrefix } from '../store/token-reads.js';
import type { Executor } from '../store/store.js';
import type { Services } from './context.js';

// A token reads `jl_<prefix>_<secret>`. The prefix (12 chars) finds the row; the secret (32 random
// bytes) is stored only as its SHA-256. A plain hash suffices because the secret has 256 bits of
// entropy: there is no dictionary to attack, unlike passwords that need a slow hash.
const TOKEN = /^jl_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const DEFAULT_WORKSPACE = 'default';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function randomPrefix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(12), (b) => alphabet[b % alphabet.length]).join('');
}

export function newSecret(): { prefix: string; secret: string; token: string } {
  const prefix = randomPrefix();
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, token: `jl_${prefix}_${secret}` };
}

/** Splits a token someone chose (JOBLINE_ADMIN_TOKEN) into prefix and secret, or says what is wrong. */
export function parseToken(token: string): { prefix: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m === null ? undefined : { prefix: m[1]!, secret: m[2]! };
}

export async function ensureWorkspace(db: Executor, name: string, now: number): Promise<string> {
  await tokens.insertWorkspace(db, { id: uuidv7(now), name, now });
  const ws = await tokens.findWorkspaceByName(db, name);
  if (ws === undefined) throw new Error(`workspace ${name} vanished`);
  return ws.id;
}

export interface CreatedToken {
  token: ApiToken;
  /** The full secret; shown once, never stored. */
  secret: string;
}

export interface NewToken {
  workspace: string;
  name: string;
  scopes: Scope[];
  secret?: string;
  expiresAt?: number | null;
  /** A provider's token: no scopes of its own, it sees and acts only on the jobs assigned to the provider. */
  providerId?: string | null;
  /** A worker token (scope jobs:work) restricted to these job types. */
  jobTypes?: string[] | null;
}

export async function createToken(
  services: Pick<Services, 'store' | 'clock'>,
  options: NewToken,
): Promise<CreatedToken> {
  return services.store.transaction((trx) => insertNewToken(trx, services.clock.now(), options));
}

/** createToken inside the caller's transaction (start-up bootstrap decides and creates in one). */
export async function insertNewToken(trx: Executor, now: number, options: NewToken): Promise<CreatedToken> {
  if (options.jobTypes != null && !options.scopes.includes('jobs:work')) {
    throw new AppError(
      'validation_failed',
      'job_types restricts what a worker may claim: give the token the jobs:work scope too.',
      {
        errors: [{ pointer: '#/job_types', detail: 'needs the jobs:work scope' }],
      },
    );
  }
  const chosen =
    options.secret === undefined ? newSecret() : { ...parseTokenOrThrow(options.secret), token: options.secret };
  const workspaceId = await ensureWorkspace(trx, options.workspace, now);
  const id = uuidv7(now);
  await tokens.insertToken(trx, {
    id,
    workspaceId,
    name: options.name,
    prefix: chosen.prefix,
    secretHash: sha256(chosen.secret).toString('hex'),
    scopes: options.scopes,
    now,
    expiresAt: options.expiresAt ?? null,
    providerId: options.providerId ?? null,
    jobTypes: options.jobTypes ?? null,
  });
  return {
    token: {
      id,
      workspaceId,
      name: options.name,
      prefix: chosen.prefix,
      scopes: options.scopes,
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
      providerId: options.providerId ?? null,
      jobTypes: options.jobTypes ?? null,
    },
    secret: chosen.token,
  };
}

function parseTokenOrThrow(secret: string): { prefix: string; secret: string } {
  const parsed = parseToken(secret);
  if (parsed === undefined)
    throw new Error(
      'A token must look like jl_<12 letters or digits>_<43 base64url characters>; create one with `jobline token create`.',
    );
  return parsed;
}

/**
 * The principal of a token verified within the cache's TTL, without a database read or a promise (the
 * request hook stays synchronous for a busy client); undefined when `authenticate` has to decide.
 */
export function cachedPrincipal(
  services: Pick<Services, 'clock' | 'tokenCache'>,
  presented: string,
): Principal | undefined {
  const parsed = parseToken(presented);
  return parsed === undefined ? undefined : services.tokenCache.get(parsed.prefix, parsed.secret, services.clock.now());
}

/** Resolves a bearer token to its principal, or undefined for any token that is not valid now. */
export async function authenticate(services: Services, presented: string): Promise<Principal | undefined> {
  const parsed = parseToken(presented);
  if (parsed === undefined) return undefined;
  const now = services.clock.now();
  const cached = services.tokenCache.get(parsed.prefix, parsed.secret, now);
  if (cached !== undefined) return cached;

  const row = await readTokenByPrefix(services.store, parsed.prefix);
  if (row === undefined) return undefined;
  const given = sha256(parsed.secret);
  const stored = Buffer.from(row.secret_hash, 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;

  const principal: Principal = {
    tokenId: row.id,
    workspaceId: row.workspace_id,
    scopes: JSON.parse(row.scopes) as Scope[],
    ...(row.provider_id !== null ? { providerId: row.provider_id } : {}),
    ...(row.job_types != null ? { jobTypes: JSON.parse(row.job_types) as string[] } : {}),
  };
  services.tokenCache.set(parsed.prefix, parsed.secret, principal, now, row.expires_at);
  if (services.tokenCache.shouldTouch(row.id, now)) await tokens.touchToken(services.store.db, row.id, now);
  return principal;
}

export async function revokeToken(
  services: Pick<Services, 'store' | 'clock' | 'tokenCache'>,
  id: string,
  workspaceId?: string,
): Promise<void> {
  const revoked = await tokens.revokeToken(services.store.db, id, services.clock.now(), workspaceId);
  if (!revoked) throw new AppError('not_found', `No active token with id ${JSON.stringify(id)}.`);
  services.tokenCache.forget(id);
}
