import type { Principal } from '../core/auth.js';

/** Built-in jobs act inside the workspace of the job that runs them, with the rights of a writer. */
export function jobPrincipal(ctx: { jobId: string; workspaceId: string }): Principal {
  return { tokenId: `job:${ctx.jobId}`, workspaceId: ctx.workspaceId, scopes: ['jobs:read', 'jobs:write'] };
}
