// Scopes a token can carry. `admin` implies the others: an administrator manages tokens and
// can read and write every job in its workspace. `jobs:work` is a remote worker's: it claims and
// finishes jobs through /v1/worker/... and nothing else (docs/workers.md).
export const SCOPES = ['jobs:read', 'jobs:write', 'jobs:work', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes('admin');
}

/** Who is calling: resolved from the bearer token by the auth plugin, passed to every service call. */
export interface Principal {
  tokenId: string;
  workspaceId: string;
  scopes: Scope[];
  /** Set for a provider's token: it sees and acts only on the jobs assigned to that provider. */
  providerId?: string | undefined;
  /** Set for a worker token restricted to these job types. */
  jobTypes?: string[] | undefined;
}

export interface ApiToken {
  id: string;
  workspaceId: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  providerId?: string | null;
  /** A worker token's job types; null when it may work on any type. */
  jobTypes?: string[] | null;
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}
