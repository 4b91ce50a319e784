import type { Command } from 'commander';
import { isScope, SCOPES, type Scope } from '../core/auth.js';
import { createClient } from '../services/clients.js';
import { createServices } from '../create-services.js';
import type { Services } from '../services/context.js';
import { createToken, newSecret, revokeToken } from '../services/tokens.js';
import { migrate } from '../store/migrations.js';
import { openStore } from '../store/store.js';
import { findWorkspaceById, listTokens } from '../store/tokens.js';
import { table } from './table.js';
import { readSettings, settingOptions, type Flags } from '../config/read.js';

type DbFlags = Flags;

function dbOptions(flags: DbFlags) {
  return readSettings('admin', flags);
}

function withDb(cmd: Command): Command {
  return settingOptions(cmd, 'admin');
}

async function withServices(flags: DbFlags, fn: (services: Services) => Promise<void>): Promise<void> {
  const services = await createServices({ ...dbOptions(flags), tokenCacheMs: 0 });
  try {
    await fn(services);
  } finally {
    await services.store.close();
  }
}

function parseScopes(list: string): Scope[] {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0 || scopes.length === 0)
    throw new Error(
      `Unknown scope(s) ${bad.join(', ') || '(none given)'}; use a comma-separated list of ${SCOPES.join(', ')}.`,
    );
  return scopes as Scope[];
}

export function adminCommands(program: Command): void {
  withDb(
    program.command('migrate').description('apply pending database migrations (serve also does this at start)'),
  ).action(async (flags: DbFlags) => {
    const store = await openStore(dbOptions(flags));
    try {
      const applied = await migrate(store);
      console.log(
        applied.length === 0
          ? `Nothing to do: ${store.description} is up to date.`
          : `Applied ${applied.map((m) => `${m.version} ${m.name}`).join(', ')} to ${store.description}.`,
      );
    } finally {
      await store.close();
    }
  });

  const token = program.command('token').description('manage API tokens (runs against the database directly)');
  withDb(
    token
      .command('create')
      .description('create a token (and its workspace if needed); the secret is printed once')
      .requiredOption('--workspace <name>', 'workspace (tenant) name')
      .requiredOption('--scopes <list>', 'comma-separated: jobs:read, jobs:write, jobs:work, admin')
      .requiredOption('--name <name>', 'what the token is for')
      .option('--job-types <list>', 'with jobs:work: comma-separated job types the worker may claim (default: any)'),
  ).action(async (flags: DbFlags & { workspace: string; scopes: string; name: string; jobTypes?: string }) => {
    const scopes = parseScopes(flags.scopes);
    const jobTypes =
      flags.jobTypes === undefined
        ? null
        : flags.jobTypes
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== '');
    await withServices(flags, async (services) => {
      const { token: t, secret } = await createToken(services, {
        workspace: flags.workspace,
        name: flags.name,
        scopes,
        jobTypes,
      });
      console.log(
        `Created token ${t.id} (${t.name}) in workspace ${flags.workspace} with scopes ${scopes.join(', ')}${jobTypes === null ? '' : ` for job types ${jobTypes.join(', ')}`}.`,
      );
      console.log('The secret is shown once; store it now:\n');
      console.log(`  ${secret}\n`);
    });
  });
  withDb(
    token
      .command('list')
      .description('list tokens (never their secrets)')
      .option('--workspace-id <id>', 'only this workspace')
      .option('--json', 'print JSON'),
  ).action(async (flags: DbFlags & { workspaceId?: string; json?: boolean }) => {
    await withServices(flags, async (services) => {
      const tokens = await listTokens(services.store.db, flags.workspaceId);
      // A token belongs to one workspace; show it by the name `token create --workspace` takes.
      const names = new Map<string, string>();
      for (const id of new Set(tokens.map((t) => t.workspaceId)))
        names.set(id, (await findWorkspaceById(services.store.db, id))?.name ?? id);
      const listed = tokens.map((t) => ({ ...t, workspace: names.get(t.workspaceId)! }));
      if (flags.json === true) return console.log(JSON.stringify(listed, null, 2));
      console.log(
        table(
          ['ID', 'WORKSPACE', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'REVOKED'],
          listed.map((t) => [
            t.id,
            t.workspace,
            t.name,
            `jl_${t.prefix}`,
            t.scopes.join(','),
            new Date(t.createdAt).toISOString(),
            t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
          ]),
        ),
      );
    });
  });
  withDb(token.command('revoke').description('revoke a token by id').argument('<id>')).action(
    async (id: string, flags: DbFlags) => {
      await withServices(flags, async (services) => {
        await revokeToken(services, id);
        console.log(`Revoked token ${id}.`);
      });
    },
  );
  const client = program
    .command('client')
    .description(
      'manage OAuth2 clients, which exchange client credentials for short-lived tokens (runs against the database directly)',
    );
  withDb(
    client
      .command('create')
      .description('create an OAuth2 client (and its workspace if needed); the client_secret is printed once')
      .requiredOption('--workspace <name>', 'workspace (tenant) name')
      .requiredOption('--scopes <list>', 'comma-separated: jobs:read, jobs:write, admin')
      .option('--name <name>', 'what the client is for', 'client'),
  ).action(async (flags: DbFlags & { workspace: string; scopes: string; name: string }) => {
    const scopes = parseScopes(flags.scopes);
    await withServices(flags, async (services) => {
      const { client: c, clientSecret } = await createClient(services, {
        workspace: flags.workspace,
        name: flags.name,
        scopes,
      });
      console.log(
        `Created client ${c.id} (${c.name}) in workspace ${flags.workspace} with scopes ${scopes.join(', ')}.`,
      );
      console.log('The client_secret is shown once; store it now:\n');
      console.log(`  client_id:     ${c.clientId}`);
      console.log(`  client_secret: ${clientSecret}\n`);
    });
  });

  token
    .command('generate')
    .description('print a new random token secret, e.g. for JOBLINE_ADMIN_TOKEN (stores nothing)')
    .action(() => console.log(newSecret().token));
}
